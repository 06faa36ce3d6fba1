// The self-check questions' one handler for the whole page, installed once. It reads only the
// form's data attributes, so the same markup works in the book, in JupyterLab and in Colab.
(function () {
  if (window.lessonsSelfCheck) { return; }
  window.lessonsSelfCheck = true;
  function verdict(fieldset, right, text) {
    var out = fieldset.querySelector(".verdict");
    out.className = "verdict " + (right ? "right" : "wrong");
    out.textContent = (right ? "Right. " : "Not quite. ") + text;
  }
  function ask(fieldset, text) {  // not an answer yet: neither right nor wrong
    var out = fieldset.querySelector(".verdict");
    out.className = "verdict";
    out.textContent = text;
  }
  // "0,73" and "99,8" are decimal commas; "1,243" and "12,500" group thousands.
  function number(typed) {
    var raw = typed.trim().replace(/\s+/g, "").replace(/%$/, "");
    if (raw.indexOf(".") < 0 && /^-?\d+,(\d{1,2}|\d{4,})$/.test(raw)) {
      raw = raw.replace(",", ".");
    }
    raw = raw.replace(/,/g, "");
    return raw === "" ? NaN : Number(raw);
  }
  function check(fieldset) {
    if (fieldset.dataset.kind === "choice") {
      var picked = fieldset.querySelector("input:checked");
      if (!picked) { ask(fieldset, "Pick one of the answers first."); return; }
      verdict(fieldset, picked.dataset.right === "1", picked.dataset.feedback);
      return;
    }
    var value = number(fieldset.querySelector("input").value);
    if (!isFinite(value)) {
      ask(fieldset, "Type a number, such as 0.25 or 1500.");
      return;
    }
    var answer = Number(fieldset.dataset.answer), tolerance = Number(fieldset.dataset.tolerance);
    if (Math.abs(value - answer) <= tolerance) {
      verdict(fieldset, true, fieldset.dataset.explanation);
      return;
    }
    var wrong = JSON.parse(fieldset.dataset.wrong);
    for (var i = 0; i < wrong.length; i++) {
      if (Math.abs(value - wrong[i][0]) <= tolerance) {
        verdict(fieldset, false, wrong[i][1]);
        return;
      }
    }
    verdict(fieldset, false, value < answer ? "That is too low." : "That is too high.");
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".lessons-self-check button");
    if (button) { check(button.closest("fieldset")); }
  });
  document.addEventListener("keydown", function (event) {
    var input = event.target.closest && event.target.closest(".lessons-self-check input[type=text]");
    if (input && event.key === "Enter") {
      event.preventDefault();
      check(input.closest("fieldset"));
    }
  });
  document.addEventListener("submit", function (event) {
    if (event.target.closest && event.target.closest(".lessons-self-check")) {
      event.preventDefault();
    }
  });
})();
