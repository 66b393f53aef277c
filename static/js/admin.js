// Progressive enhancement for the admin: warn before leaving a form with unsaved changes.
// Every form works without this script.
(function () {
  "use strict";
  var dirty = false;
  document.addEventListener("DOMContentLoaded", function () {
    var forms = document.querySelectorAll("form[data-warn-unsaved]");
    Array.prototype.forEach.call(forms, function (form) {
      form.addEventListener("input", function () { dirty = true; });
      form.addEventListener("change", function () { dirty = true; });
      form.addEventListener("submit", function () { dirty = false; });
    });
  });
  // The picture's own forms (upload, remove) would leave the page and lose unsaved edits of the main form:
  // while it has some, they say so and stay put instead of asking "Leave site?".
  document.addEventListener("DOMContentLoaded", function () {
    var guarded = document.querySelectorAll("form[data-keeps-edits]");
    Array.prototype.forEach.call(guarded, function (form) {
      form.addEventListener("submit", function (event) {
        if (!dirty) { return; }
        event.preventDefault();
        var section = form.closest("section") || document;
        var note = section.querySelector(".upload-unsaved");
        if (note) {
          note.hidden = false;
          note.setAttribute("tabindex", "-1");
          note.focus();
        }
      });
    });
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();

// Search fields (a company on an award or a milestone) become comboboxes, following the WAI-ARIA 1.2
// combobox pattern with a listbox popup: typing asks the admin's lookup endpoint for at most 20 entries,
// arrow keys move through them, Enter chooses, Escape closes. Without this script the server resolves what
// was typed when the form is saved.
(function () {
  "use strict";
  var english = (document.documentElement.lang || "").indexOf("en") === 0;
  var said = english
    ? { chosen: "Chosen: ", none: "No matches", results: function (n) { return n + (n === 1 ? " match" : " matches") + "; use the arrow keys to choose."; } }
    : { chosen: "当前：", none: "没有相符的条目", results: function (n) { return "找到 " + n + " 项，可用上下方向键选择。"; } };

  function setup(input, index) {
    var column = input.name.replace(/-q$/, "");
    var form = input.form;
    var hidden = form.querySelector("input[type=hidden][name='" + column + "']");
    var current = document.getElementById("current-" + column);
    if (!hidden || !current) { return; }
    var listId = "picker-list-" + index;
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "picker-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", (input.labels && input.labels[0] ? input.labels[0].textContent : column).trim());
    list.hidden = true;
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    input.parentNode.insertBefore(list, input.nextSibling);
    input.parentNode.insertBefore(status, list.nextSibling);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    var results = [];
    var active = -1;
    var timer = null;
    var asked = 0;

    function name(r) { return english && r.en ? r.en : r.zh; }
    function other(r) { return english ? (r.en ? r.zh : "") : r.en; }

    function open(yes) {
      list.hidden = !yes;
      input.setAttribute("aria-expanded", yes ? "true" : "false");
      if (!yes) { setActive(-1); }
    }

    function setActive(i) {
      active = i;
      Array.prototype.forEach.call(list.children, function (li, j) {
        li.setAttribute("aria-selected", j === i ? "true" : "false");
      });
      if (i >= 0 && list.children[i]) {
        input.setAttribute("aria-activedescendant", list.children[i].id);
        list.children[i].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function render() {
      while (list.firstChild) { list.removeChild(list.firstChild); }
      results.forEach(function (r, i) {
        var li = document.createElement("li");
        li.id = listId + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        var main = document.createElement("span");
        main.textContent = name(r);
        li.appendChild(main);
        var extra = document.createElement("span");
        extra.className = "muted";
        extra.textContent = (other(r) ? " · " + other(r) : "") + " #" + r.id;
        li.appendChild(extra);
        li.addEventListener("mousedown", function (e) { e.preventDefault(); });
        li.addEventListener("click", function () { choose(i); });
        list.appendChild(li);
      });
      status.textContent = results.length ? said.results(results.length) : said.none;
      open(results.length > 0);
    }

    function field(nameAttr) {
      var el = form.querySelector("input[type=hidden][name='" + nameAttr + "']");
      if (!el) {
        el = document.createElement("input");
        el.type = "hidden";
        el.name = nameAttr;
        form.appendChild(el);
      }
      return el;
    }

    function choose(i) {
      var r = results[i];
      if (!r) { return; }
      hidden.value = String(r.id);
      // The short list a previous save offered answers another term now.
      var choices = document.getElementById("choices-" + column);
      if (choices) { choices.parentNode.removeChild(choices); }
      input.value = name(r);
      // The server takes this choice as long as the text stays as it is now.
      field(column + "-pick").value = String(r.id);
      field(column + "-asked").value = input.value;
      current.textContent = said.chosen;
      var strong = document.createElement("strong");
      strong.textContent = name(r);
      current.appendChild(strong);
      var id = document.createElement("span");
      id.className = "muted";
      id.textContent = " #" + r.id;
      current.appendChild(id);
      open(false);
    }

    function search() {
      var q = input.value.trim();
      if (!q) { results = []; render(); status.textContent = ""; return; }
      var mine = ++asked;
      var url = input.getAttribute("data-picker") + "?q=" + encodeURIComponent(q);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) {
          var json = (r.headers.get("content-type") || "").indexOf("application/json") === 0;
          if (!r.ok || !json) { throw new Error("lookup failed"); }
          return r.json();
        })
        .then(function (answer) {
          if (mine !== asked) { return; }
          results = answer.results || [];
          render();
        })
        .catch(function () { if (mine === asked) { results = []; open(false); } });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, 200);
    });
    input.addEventListener("keydown", function (e) {
      var expanded = !list.hidden;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        if (!expanded) {
          if (results.length) { open(true); } else { search(); }
          return;
        }
        var n = results.length;
        if (!n) { return; }
        setActive(e.key === "ArrowDown" ? (active + 1) % n : (active <= 0 ? n - 1 : active - 1));
      } else if (e.key === "Enter") {
        if (expanded && active >= 0) {
          e.preventDefault();
          choose(active);
        }
      } else if (e.key === "Escape") {
        if (expanded) {
          e.preventDefault();
          open(false);
        } else if (input.value) {
          e.preventDefault();
          input.value = "";
        }
      }
    });
    input.addEventListener("blur", function () { open(false); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var inputs = document.querySelectorAll("input[data-picker]");
    Array.prototype.forEach.call(inputs, setup);
  });
})();
