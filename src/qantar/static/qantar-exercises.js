/* Self-checking exercises in the built book: no kernel, no network.
   The rules mirror qantar/exercises/checking.py; the tests feed the same answers to both. */
(function () {
  "use strict";

  function parseNumber(text) {
    var cleaned = String(text).trim().replace(/[,\s\u202f]/g, "");
    if (!/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(cleaned)) return null;
    return parseFloat(cleaned);
  }

  function numbersAgree(answer, expected, key) {
    var allowed = Math.max(key.tolerance || 0, (key.relative_tolerance || 0) * Math.abs(expected),
                           1e-9 * Math.max(1, Math.abs(expected)));
    return Math.abs(answer - expected) <= allowed;
  }

  function sameSet(a, b) {
    if (a.length !== b.length) return false;
    var sortedA = a.slice().sort(), sortedB = b.slice().sort();
    return sortedA.every(function (value, index) { return value === sortedB[index]; });
  }

  function sameList(a, b) {
    return a.length === b.length && a.every(function (value, index) { return value === b[index]; });
  }

  function sameMapping(a, b) {
    var keys = Object.keys(b);
    return keys.length === Object.keys(a).length &&
      keys.every(function (k) { return a[k] === b[k]; });
  }

  function equal(kind, given, expected, key) {
    if (kind === "choice") return given === expected;
    if (kind === "multiple") return Array.isArray(expected) && sameSet(given, expected);
    if (kind === "number") {
      var number = typeof expected === "number" ? expected : parseNumber(expected);
      return number !== null && numbersAgree(given, number, key);
    }
    if (kind === "order") return Array.isArray(expected) && sameList(given, expected);
    if (kind === "match") return expected !== null && typeof expected === "object" && sameMapping(given, expected);
    return false;
  }

  /* What the form holds, or {problem: "..."} when it is not a complete answer. */
  function readAnswer(section, kind) {
    var form = section.querySelector("form");
    if (kind === "choice") {
      var picked = form.querySelector("input:checked");
      return picked ? { value: picked.value } : { problem: "No answer yet. Choose one option." };
    }
    if (kind === "multiple") {
      var boxes = Array.prototype.slice.call(form.querySelectorAll("input:checked"));
      if (!boxes.length) return { problem: "No answer yet. Choose every option that applies." };
      return { value: boxes.map(function (box) { return box.value; }) };
    }
    if (kind === "number") {
      var text = form.querySelector("input").value;
      if (!text.trim()) return { problem: "No answer yet. Enter a number." };
      var number = parseNumber(text);
      return number === null ? { problem: "Expected a number; '" + text + "' is not a number." } : { value: number };
    }
    var selects = Array.prototype.slice.call(form.querySelectorAll("select"));
    if (selects.some(function (s) { return !s.value; })) {
      return { problem: kind === "order" ? "Put every item in order." : "Pair every item with its partner." };
    }
    if (kind === "order") {
      var positions = selects.map(function (s) { return s.value; });
      if (new Set(positions).size !== positions.length) return { problem: "Give each item a different position." };
      return { value: selects.slice().sort(function (a, b) { return a.value - b.value; })
                              .map(function (s) { return s.dataset.item; }) };
    }
    var pairs = {};
    selects.forEach(function (s) { pairs[s.dataset.item] = s.value; });
    return { value: pairs };
  }

  function show(section, correct, message, key) {
    var feedback = section.querySelector(".qantar-exercise__feedback");
    var mark = correct ? "✔ Correct" : "✘ Not yet";
    var points = correct ? key.points : 0;
    feedback.textContent = "";
    var strong = document.createElement("strong");
    strong.textContent = mark;
    feedback.appendChild(strong);
    feedback.appendChild(document.createTextNode(" (" + points + " of " + key.points + ") — " + message));
    feedback.dataset.correct = correct ? "true" : "false";
  }

  function check(section) {
    var key = JSON.parse(section.querySelector(".qantar-exercise__key").textContent);
    var answer = readAnswer(section, key.kind);
    if (answer.problem) return show(section, false, answer.problem, key);
    var hint = key.hint ? " Hint: " + key.hint : "";
    if (equal(key.kind, answer.value, key.answer, key)) return show(section, true, key.correct, key);
    for (var i = 0; i < key.mistakes.length; i++) {
      if (equal(key.kind, answer.value, key.mistakes[i].answer, key)) {
        return show(section, false, key.mistakes[i].feedback + hint, key);
      }
    }
    show(section, false, key.wrong + hint, key);
  }

  function setUp() {
    document.querySelectorAll(".qantar-exercise form").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        check(form.closest(".qantar-exercise"));
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
