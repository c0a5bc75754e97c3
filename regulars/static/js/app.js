/* Regulars — small progressive enhancements. No libraries, no build step.
 * Everything here is optional: every page works without JavaScript. */
(function () {
  "use strict";

  /* ---------- Helpers ---------- */

  function getCookie(name) {
    var parts = document.cookie ? document.cookie.split(";") : [];
    for (var i = 0; i < parts.length; i++) {
      var c = parts[i].trim();
      if (c.substring(0, name.length + 1) === name + "=") {
        return decodeURIComponent(c.substring(name.length + 1));
      }
    }
    return null;
  }

  function csrfToken() {
    var token = getCookie("csrftoken");
    if (token) return token;
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : null;
  }

  function isTypingTarget(el) {
    if (!el || el === document.body) return false;
    if (el.isContentEditable) return true;
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  /* ---------- 1. Confirmation dialogs ---------- */

  var dialog = null;
  var ui = {};
  var pending = null;     // { form, submitter, opener }
  var confirmed = null;   // form currently allowed through without asking

  function buildDialog() {
    if (dialog) return dialog;
    dialog = document.createElement("dialog");
    dialog.className = "confirm";
    dialog.setAttribute("aria-labelledby", "confirm-message");
    dialog.innerHTML =
      '<p id="confirm-message"></p>' +
      '<div class="field confirm-type" hidden>' +
      '  <label for="confirm-input"></label>' +
      '  <input type="text" id="confirm-input" autocomplete="off" ' +
      '         autocapitalize="characters" spellcheck="false">' +
      "</div>" +
      '<div class="form-actions">' +
      '  <button type="button" class="btn" data-action="cancel">Cancel</button>' +
      '  <button type="button" class="btn btn-primary" data-action="confirm">Confirm</button>' +
      "</div>";
    ui.message = dialog.querySelector("#confirm-message");
    ui.typeBox = dialog.querySelector(".confirm-type");
    ui.typeLabel = ui.typeBox.querySelector("label");
    ui.input = ui.typeBox.querySelector("input");
    ui.cancel = dialog.querySelector('[data-action="cancel"]');
    ui.confirm = dialog.querySelector('[data-action="confirm"]');

    ui.cancel.addEventListener("click", function () { dialog.close("cancel"); });
    ui.confirm.addEventListener("click", doConfirm);
    ui.input.addEventListener("input", updateConfirmState);
    ui.input.addEventListener("keydown", function (e) {
      if (e.key === "Enter") {
        e.preventDefault();
        if (!ui.confirm.disabled) doConfirm();
      }
    });
    dialog.addEventListener("close", function () {
      var opener = pending && pending.opener;
      pending = null;
      ui.input.value = "";
      if (dialog.returnValue !== "confirm" && opener && document.contains(opener)) {
        opener.focus();
      }
    });
    document.body.appendChild(dialog);
    return dialog;
  }

  function updateConfirmState() {
    var required = ui.typeBox.hidden ? null : ui.typeBox.getAttribute("data-required");
    ui.confirm.disabled = required !== null && ui.input.value !== required;
  }

  function attr(name, submitter, form) {
    if (submitter && submitter.hasAttribute(name)) return submitter.getAttribute(name);
    return form.hasAttribute(name) ? form.getAttribute(name) : null;
  }

  function openConfirm(form, submitter) {
    buildDialog();
    var message = attr("data-confirm", submitter, form) || "Are you sure?";
    var buttonText = attr("data-confirm-button", submitter, form) || "Confirm";
    var required = attr("data-confirm-type", submitter, form);
    var danger = form.classList.contains("danger") ||
      (submitter && (submitter.classList.contains("btn-danger") || submitter.classList.contains("danger")));

    pending = { form: form, submitter: submitter, opener: submitter || document.activeElement };
    ui.message.textContent = message;
    ui.confirm.textContent = buttonText;
    ui.confirm.className = "btn " + (danger ? "btn-danger" : "btn-primary");

    if (required) {
      ui.typeBox.hidden = false;
      ui.typeBox.setAttribute("data-required", required);
      ui.typeLabel.textContent = "Type " + required + " to confirm";
      ui.input.value = "";
    } else {
      ui.typeBox.hidden = true;
      ui.typeBox.removeAttribute("data-required");
    }
    updateConfirmState();

    dialog.returnValue = "";
    dialog.showModal();
    ui.cancel.focus();
  }

  function doConfirm() {
    if (!pending || ui.confirm.disabled) return;
    var form = pending.form;
    var submitter = pending.submitter;
    dialog.close("confirm");
    confirmed = form;
    try {
      if (typeof form.requestSubmit === "function") {
        if (submitter && submitter.form === form) form.requestSubmit(submitter);
        else form.requestSubmit();
      } else {
        form.submit();
      }
    } finally {
      confirmed = null;
    }
  }

  // Capture phase, so this runs before htmx's own submit listeners on the form.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!(form instanceof HTMLFormElement)) return;
    if (confirmed === form) return;   // user already confirmed: let it through
    var submitter = e.submitter || null;
    var needs = form.hasAttribute("data-confirm") ||
      (submitter && submitter.hasAttribute("data-confirm"));
    if (!needs) return;
    e.preventDefault();
    e.stopPropagation();
    openConfirm(form, submitter);
  }, true);

  /* ---------- 2. htmx CSRF header ---------- */

  document.addEventListener("htmx:configRequest", function (e) {
    var token = csrfToken();
    if (token && e.detail && e.detail.headers) {
      e.detail.headers["X-CSRFToken"] = token;
    }
  });

  /* ---------- 3. Copy buttons ---------- */

  function fallbackCopy(text) {
    var ta = document.createElement("textarea");
    ta.value = text;
    ta.setAttribute("readonly", "");
    ta.style.position = "fixed";
    ta.style.opacity = "0";
    document.body.appendChild(ta);
    ta.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (err) { ok = false; }
    document.body.removeChild(ta);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy failed"));
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(text); });
    }
    return fallbackCopy(text);
  }

  function flashLabel(button, label, ok) {
    if (!button.hasAttribute("data-label")) {
      button.setAttribute("data-label", button.textContent);
    }
    clearTimeout(button._copyTimer);
    button.textContent = label;
    button.classList.toggle("copied", ok);
    button._copyTimer = setTimeout(function () {
      button.textContent = button.getAttribute("data-label");
      button.removeAttribute("data-label");
      button.classList.remove("copied");
    }, 2000);
  }

  document.addEventListener("click", function (e) {
    var button = e.target.closest ? e.target.closest("button.copy[data-copy]") : null;
    if (!button) return;
    e.preventDefault();
    copyText(button.getAttribute("data-copy")).then(
      function () { flashLabel(button, "Copied", true); },
      function () { flashLabel(button, "Press Ctrl+C", false); }
    );
  });

  /* ---------- 4. "/" focuses search ---------- */

  document.addEventListener("keydown", function (e) {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
    if (isTypingTarget(e.target) || isTypingTarget(document.activeElement)) return;
    if (dialog && dialog.open) return;
    var search = document.querySelector(".topbar-search input") || document.getElementById("search");
    if (!search) return;
    e.preventDefault();
    search.focus();
    if (typeof search.select === "function") search.select();
  });

  /* ---------- 5. Auto-submitting selects ---------- */

  document.addEventListener("change", function (e) {
    var select = e.target;
    if (!(select instanceof HTMLSelectElement) || !select.hasAttribute("data-autosubmit")) return;
    var form = select.form;
    if (!form) return;
    if (typeof form.requestSubmit === "function") form.requestSubmit();
    else form.submit();
  });

  /* ---------- 6. Tabs ----------
   * <nav data-tabs> holds links to #panel ids. Without script every panel shows, one
   * after another; with it one shows at a time, the URL's #hash picks it (so a redirect
   * to #notes opens Notes), and Left/Right/Home/End move between tabs. */

  function setupTabs(nav) {
    var tabs = Array.prototype.slice.call(nav.querySelectorAll('[role="tab"]'));
    var panels = tabs.map(function (t) {
      return document.getElementById(t.getAttribute("aria-controls"));
    });

    function select(index, focus) {
      tabs.forEach(function (tab, i) {
        var on = i === index;
        tab.setAttribute("aria-selected", on ? "true" : "false");
        tab.setAttribute("tabindex", on ? "0" : "-1");
        if (panels[i]) panels[i].hidden = !on;
      });
      if (focus) tabs[index].focus();
    }

    function indexForHash() {
      var id = decodeURIComponent(location.hash.slice(1)) || nav.getAttribute("data-active");
      if (!id) return 0;
      var target = document.getElementById(id);
      for (var i = 0; i < panels.length; i++) {
        if (panels[i] && target && (panels[i] === target || panels[i].contains(target))) return i;
      }
      return 0;
    }

    tabs.forEach(function (tab, i) {
      tab.addEventListener("click", function (e) {
        e.preventDefault();
        select(i, false);
        history.replaceState(null, "", "#" + tab.getAttribute("aria-controls"));
      });
      tab.addEventListener("keydown", function (e) {
        var next = null;
        if (e.key === "ArrowRight") next = (i + 1) % tabs.length;
        else if (e.key === "ArrowLeft") next = (i - 1 + tabs.length) % tabs.length;
        else if (e.key === "Home") next = 0;
        else if (e.key === "End") next = tabs.length - 1;
        if (next === null) return;
        e.preventDefault();
        select(next, true);
        history.replaceState(null, "", "#" + tabs[next].getAttribute("aria-controls"));
      });
    });
    select(indexForHash(), false);
    window.addEventListener("hashchange", function () { select(indexForHash(), false); });
  }

  document.querySelectorAll("[data-tabs]").forEach(setupTabs);

  /* ---------- 7. As-you-type search in the top bar ----------
   * htmx fills #top-search-results with links; Up/Down move through them, Enter opens
   * the chosen one (or submits the plain GET form), Escape closes the list. */

  var topSearch = document.getElementById("top-search");
  var results = document.getElementById("top-search-results");
  if (topSearch && results) {
    var options = function () {
      return Array.prototype.slice.call(results.querySelectorAll("a[role=option]"));
    };
    var active = -1;
    var mark = function (index) {
      var items = options();
      active = items.length ? (index + items.length) % items.length : -1;
      items.forEach(function (item, i) {
        item.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      if (active >= 0) {
        topSearch.setAttribute("aria-activedescendant", items[active].id);
        items[active].scrollIntoView({ block: "nearest" });
      } else {
        topSearch.removeAttribute("aria-activedescendant");
      }
    };
    var close = function () {
      results.hidden = true;
      topSearch.setAttribute("aria-expanded", "false");
      mark(-1);
    };
    results.addEventListener("htmx:afterSwap", function () {
      var open = results.children.length > 0 && topSearch.value.trim() !== "";
      results.hidden = !open;
      topSearch.setAttribute("aria-expanded", open ? "true" : "false");
      active = -1;
      mark(-1);
    });
    topSearch.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        if (results.hidden || !options().length) return;
        e.preventDefault();
        mark(active + (e.key === "ArrowDown" ? 1 : -1));
      } else if (e.key === "Enter" && active >= 0 && !results.hidden) {
        e.preventDefault();
        window.location.href = options()[active].href;
      } else if (e.key === "Escape") {
        close();
      }
    });
    topSearch.addEventListener("input", function () {
      if (!topSearch.value.trim()) close();
    });
    document.addEventListener("click", function (e) {
      if (!topSearch.form.contains(e.target)) close();
    });
  }

  /* ---------- 7. Select every row on the page ---------- */

  document.addEventListener("change", function (e) {
    var box = e.target;
    if (!(box instanceof HTMLInputElement) || !box.hasAttribute("data-select-all")) return;
    var name = box.getAttribute("data-select-all");
    document.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(function (row) {
      row.checked = box.checked;
    });
  });

  /* ---------- 8. Disclosure menus (Views, Columns) ----------
   * <details class="menu">: Escape closes the open one and puts focus back on its button;
   * a click outside closes it; opening one closes the others. */

  function closeMenu(menu, focus) {
    if (!menu.open) return;
    menu.open = false;
    if (focus) menu.querySelector("summary").focus();
  }

  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape" || (dialog && dialog.open)) return;
    var menu = e.target.closest ? e.target.closest("details.menu[open]") : null;
    if (menu) {
      e.preventDefault();
      closeMenu(menu, true);
    }
  });
  document.addEventListener("click", function (e) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(e.target)) closeMenu(menu, false);
    });
  });
  document.addEventListener("toggle", function (e) {
    var opened = e.target;
    if (!(opened instanceof HTMLDetailsElement) || !opened.classList.contains("menu") || !opened.open) return;
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (menu !== opened) menu.open = false;
    });
  }, true);

  /* ---------- 9. Forms and links that go back to the list as it is now ----------
   * The list changes its address as you search (htmx pushes it): a form's hidden
   * `next` and an edit link's `?next=` take the current one when used. */

  function here() { return location.pathname + location.search; }

  document.addEventListener("submit", function (e) {
    var input = e.target.querySelector ? e.target.querySelector("input[data-current-url]") : null;
    if (input) input.value = here();
  }, true);
  document.addEventListener("click", function (e) {
    var link = e.target.closest ? e.target.closest("a[data-with-next]") : null;
    if (!link) return;
    var url = new URL(link.href, location.href);
    url.searchParams.set("next", here());
    link.href = url.pathname + url.search;
  }, true);

  /* ---------- 10. Column order: Up/Down move the row at once ----------
   * Without script each button saves the move and comes back; with it the row moves on
   * the page, focus stays on the button pressed, and Save sends the new order. */

  document.addEventListener("click", function (e) {
    var button = e.target.closest ? e.target.closest("[data-column-list] button[data-move]") : null;
    if (!button) return;
    e.preventDefault();
    var item = button.closest("li");
    var list = item.parentElement;
    var up = button.getAttribute("data-move") === "up";
    var other = up ? item.previousElementSibling : item.nextElementSibling;
    var status = list.closest("form").querySelector("[data-move-status]");
    var label = item.querySelector("label").textContent.trim();
    if (!other) {
      if (status) status.textContent = label + " is already " + (up ? "first." : "last.");
      return;
    }
    if (up) list.insertBefore(item, other);
    else list.insertBefore(other, item);
    button.focus();
    if (status) {
      var position = Array.prototype.indexOf.call(list.children, item) + 1;
      status.textContent = label + " moved to position " + position + " of " + list.children.length + ".";
    }
  });
})();
