/* Self-checking exercises in the built book: no kernel, no network.
   The rules mirror qantar/exercises/kinds.py; the tests feed the same answers to both. */
(function () {
  "use strict";

  /* The one normalisation of numbers (qantar/exercises/kinds.py, as_number): thousands separators
     (2,030; 2 030), a decimal comma with one or two digits after it (77,18), a trailing % or the
     question's unit. */
  function parseNumber(text, unit) {
    var cleaned = String(text).replace(/[\s\u00a0\u202f]+/g, "");
    var suffixes = ["%"].concat(unit ? [String(unit).replace(/\s+/g, "")] : []);
    for (var i = 0; i < suffixes.length; i++) {
      var suffix = suffixes[i];
      if (cleaned.length > suffix.length &&
          cleaned.slice(-suffix.length).toLowerCase() === suffix.toLowerCase()) {
        cleaned = cleaned.slice(0, -suffix.length);
        break;
      }
    }
    if (/^[-+]?\d+,\d{1,2}$/.test(cleaned)) cleaned = cleaned.replace(",", ".");
    else if (/^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$/.test(cleaned)) cleaned = cleaned.replace(/,/g, "");
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

  /* One function per kind of question, as qantar/exercises/kinds.py has one class per kind.
     kind(form, key) reads the form: {problem: "..."} when it is not a complete answer, else
     {right: the key's answer (in the bank's own field names), matches: function (expected)},
     where matches compares the answer read with the right answer or with a named mistake.
     A new kind adds one function here (or a book adds one to window.qantarExerciseKinds). */
  function selected(form) {
    var selects = Array.prototype.slice.call(form.querySelectorAll("select"));
    return selects.some(function (s) { return !s.value; }) ? null : selects;
  }

  var KINDS = {
    choice: function (form, key) {
      var picked = form.querySelector("input:checked");
      if (!picked) return { problem: "No answer yet. Choose one option." };
      return { right: key.answer, matches: function (expected) { return picked.value === expected; } };
    },
    multiple: function (form, key) {
      var values = Array.prototype.slice.call(form.querySelectorAll("input:checked")).map(function (box) {
        return box.value;
      });
      if (!values.length) return { problem: "No answer yet. Choose every option that applies." };
      var options = Array.prototype.slice.call(form.querySelectorAll("input")).map(function (box) {
        return box.value;
      });
      return { right: key.answer, matches: function (expected) {
        return Array.isArray(expected) && sameSet(values, expected);
      }, credit: function (expected) {
        var right = options.filter(function (o) {
          return (values.indexOf(o) >= 0) === (expected.indexOf(o) >= 0);
        }).length;
        return [right, options.length, "options"];
      }, marks: function (expected) {
        return Array.prototype.slice.call(form.querySelectorAll("input")).map(function (box) {
          return [box.closest("label"), box.checked === (expected.indexOf(box.value) >= 0)];
        });
      } };
    },
    number: function (form, key) {
      var text = form.querySelector("input").value;
      if (!text.trim()) return { problem: "No answer yet. Enter a number." };
      var number = parseNumber(text, key.unit);
      if (number === null) {
        return { problem: "Expected a number" + (key.unit ? " (in " + key.unit + ")" : "") +
                          "; '" + text + "' is not a number." };
      }
      return { right: key.answer, matches: function (expected) {
        var target = typeof expected === "number" ? expected : parseNumber(expected);
        return target !== null && numbersAgree(number, target, key);
      } };
    },
    order: function (form, key) {
      var selects = selected(form);
      if (!selects) return { problem: "Put every item in order." };
      var positions = selects.map(function (s) { return s.value; });
      if (new Set(positions).size !== positions.length) return { problem: "Give each item a different position." };
      var ordered = selects.slice().sort(function (a, b) { return a.value - b.value; })
                           .map(function (s) { return s.dataset.item; });
      return { right: key.items, matches: function (expected) {
        return Array.isArray(expected) && sameList(ordered, expected);
      }, credit: function (expected) {
        var neighbours = {};
        for (var i = 0; i + 1 < expected.length; i++) neighbours[JSON.stringify([expected[i], expected[i + 1]])] = true;
        var right = 0;
        for (var j = 0; j + 1 < ordered.length; j++) {
          if (neighbours[JSON.stringify([ordered[j], ordered[j + 1]])]) right++;
        }
        return [right, expected.length - 1, "neighbouring pairs"];
      }, marks: function (expected) {
        return selects.map(function (s) {
          return [s.closest("li"), expected[Number(s.value) - 1] === s.dataset.item];
        });
      }, markedAs: "positions" };
    },
    match: function (form, key) {
      var selects = selected(form);
      if (!selects) return { problem: "Pair every item with its partner." };
      var pairs = {};
      selects.forEach(function (s) { pairs[s.dataset.item] = s.value; });
      return { right: key.pairs, matches: function (expected) {
        return expected !== null && typeof expected === "object" && sameMapping(pairs, expected);
      }, credit: function (expected) {
        var lefts = Object.keys(expected);
        var right = lefts.filter(function (k) { return pairs[k] === expected[k]; }).length;
        return [right, lefts.length, "pairs"];
      }, marks: function (expected) {
        return selects.map(function (s) { return [s.closest("li"), expected[s.dataset.item] === s.value]; });
      }, markedAs: "pairs" };
    }
  };
  var extra = window.qantarExerciseKinds || {};
  Object.keys(extra).forEach(function (name) { KINDS[name] = extra[name]; });

  /* The verdict: "right", "wrong", or "unanswered" (nothing given, or a form the check cannot read:
     a neutral note, never a cross or a score). */
  function show(section, state, message, key, share) {
    var feedback = section.querySelector(".qantar-exercise__feedback");
    feedback.textContent = "";
    var strong = document.createElement("strong");
    strong.textContent = state === "right" ? "✔ Right" : state === "wrong" ? "✘ Not yet" : "…";
    feedback.appendChild(strong);
    var points = state === "right" ? key.points : (share || 0);
    var score = state === "unanswered" ? " " : " (" + points + " of " + key.points + ") — ";
    feedback.appendChild(document.createTextNode(score + message));
    feedback.dataset.correct = state === "right" ? "true" : "false";
    feedback.dataset.state = state;
    var reveal = section.querySelector(".qantar-exercise__reveal");
    if (reveal && state !== "unanswered") reveal.hidden = false;  /* "Show answer", after a real try */
  }

  /* Each item of a match, order or multiple question marked in words beside it, not by colour alone. */
  function markItems(section, marks) {
    marks.forEach(function (pair) {
      if (!pair[0]) return;
      var mark = document.createElement("span");
      mark.className = "qantar-exercise__mark";
      mark.dataset.right = pair[1] ? "true" : "false";
      mark.textContent = pair[1] ? " ✔ right" : " ✘ wrong";
      pair[0].appendChild(mark);
    });
  }

  function clear(section) {
    var feedback = section.querySelector(".qantar-exercise__feedback");
    if (feedback) {
      feedback.textContent = "";
      delete feedback.dataset.correct;
      delete feedback.dataset.state;
    }
    section.querySelectorAll(".qantar-exercise__mark").forEach(function (mark) { mark.remove(); });
  }

  function check(section) {
    var key = JSON.parse(section.querySelector(".qantar-exercise__key").textContent);
    var kind = KINDS[key.kind];
    clear(section);
    if (!kind) return show(section, "unanswered", "This kind of question cannot be checked in the page.", key);
    var answer = kind(section.querySelector("form"), key);
    if (answer.problem) return show(section, "unanswered", answer.problem, key);
    if (answer.matches(answer.right)) return show(section, "right", key.correct, key);
    /* The hint is in its own "Hint" box, shown once: never appended to every message. */
    var message = key.wrong;
    for (var i = 0; i < key.mistakes.length; i++) {
      if (answer.matches(key.mistakes[i].answer)) {
        message = key.mistakes[i].feedback;
        break;
      }
    }
    var share = 0;
    if (answer.credit) {
      var credit = answer.credit(answer.right);
      if (key.partial) {
        /* Partial credit, as qantar/exercises/checking.py gives it: a share of the points per part. */
        share = credit[1] ? Math.round(key.points * credit[0] / credit[1] * 10000) / 10000 : 0;
        message += " (" + credit[0] + " of " + credit[1] + " " + credit[2] + " right: " + share + " of " +
                   key.points + " points.)";
      } else {
        message += " (" + credit[0] + " of " + credit[1] + " " + credit[2] + " right.)";
      }
    }
    if (answer.marks) markItems(section, answer.marks(answer.right));
    show(section, "wrong", message, key, share);
  }

  function setUp() {
    document.querySelectorAll(".qantar-exercise form").forEach(function (form) {
      var section = form.closest(".qantar-exercise");
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        check(section);
      });
      /* A verdict belongs to the answer it judged: changing the answer clears it. */
      form.addEventListener("input", function () { clear(section); });
      form.addEventListener("change", function () { clear(section); });
      var reveal = section.querySelector(".qantar-exercise__reveal");
      var answer = section.querySelector(".qantar-exercise__answer");
      if (reveal && answer) {
        reveal.addEventListener("click", function () {
          var open = answer.hidden;
          answer.hidden = !open;
          reveal.setAttribute("aria-expanded", open ? "true" : "false");
          reveal.textContent = open ? "Hide answer" : "Show answer";
        });
      }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
