// The header's 通知 badge, kept current while a page is open, and desktop notifications.
//
// Asks GET /api/notices when the page opens and every 30 s while it is visible (not while the tab is
// hidden; at once when it is shown again); after an error it waits longer (up to 5 minutes), after a
// logout it stops, and one page load asks at most MAX_POLLS times. Desktop notifications are shown only
// once the person turned them on with the button on /inbox (never asked unprompted): one per new notice,
// the highest id already told kept in localStorage so that no poll, page or tab repeats one.
// Every text is put in with textContent or as a notification's plain text, never as HTML.
"use strict";
(function () {
  var EVERY = 30000, MAX_WAIT = 300000, MAX_POLLS = 1000, SEEN = "nianbao-notice-seen";
  var prefix = "", badge = null, link = null, timer = null, busy = false, stopped = false, polls = 0, wait = EVERY;

  function supported() { return "Notification" in window; }

  function seen() {
    try { var v = window.localStorage.getItem(SEEN); return v === null ? null : Number(v) || 0; } catch (e) { return null; }
  }

  function remember(id) {
    try { window.localStorage.setItem(SEEN, String(id)); } catch (e) { /* private mode: notify again at worst */ }
  }

  function showCount(n) {
    if (!badge) { return; }
    badge.textContent = n > 99 ? "99+" : String(n);
    badge.hidden = n <= 0;
    link.title = n > 0 ? n + "条未读通知" : "通知";
  }

  function tell(latest) {
    var top = 0;
    latest.forEach(function (x) { top = Math.max(top, x.id); });
    var before = seen();
    if (before === null) { remember(top); return; } // first look in this browser: what is there is not news
    if (top <= before) { return; }
    remember(top);
    if (!supported() || Notification.permission !== "granted") { return; }
    latest.filter(function (x) { return x.id > before; }).reverse().forEach(function (x) {
      try {
        var n = new Notification("年报助手 · " + x.label, { body: x.text, tag: "nianbao-" + x.id, lang: "zh-CN" });
        n.onclick = function () { window.focus(); window.location.href = prefix + "/inbox"; n.close(); };
      } catch (e) { /* a browser that allows notifications only from a service worker */ }
    });
  }

  function freshOnInbox(latest) {
    // On /inbox (its first page): a notice newer than the newest listed came in since it was opened.
    var fresh = document.getElementById("inbox-fresh"), list = document.getElementById("notices");
    if (!fresh) { return; }
    var newest = list ? Number(list.dataset.newest || 0) : 0;
    if (latest.some(function (x) { return x.id > newest; })) { fresh.hidden = false; }
  }

  function schedule() {
    if (stopped || busy || timer !== null || document.hidden || polls >= MAX_POLLS) { return; }
    timer = window.setTimeout(poll, wait);
  }

  function poll() {
    if (timer !== null) { window.clearTimeout(timer); timer = null; }
    if (stopped || busy) { return; }
    busy = true;
    polls += 1;
    fetch(prefix + "/api/notices", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) {
        if (r.status === 401) { stopped = true; return null; }
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        return r.json();
      })
      .then(function (data) {
        if (!data) { return; }
        wait = EVERY;
        showCount(data.unread || 0);
        tell(data.latest || []);
        freshOnInbox(data.latest || []);
      })
      .catch(function () { wait = Math.min(wait * 2, MAX_WAIT); })
      .then(function () { busy = false; schedule(); });
  }

  function permissionState() {
    var button = document.getElementById("notify-on"), state = document.getElementById("notify-state");
    if (!state) { return; }
    if (!supported()) {
      state.textContent = window.isSecureContext === false ? "桌面通知需要通过 HTTPS 访问本网站。" : "此浏览器不支持桌面通知。";
      return;
    }
    var p = Notification.permission;
    if (button) { button.hidden = p !== "default"; }
    if (p === "granted") { state.textContent = "桌面通知已开启：本网站的网页开着时，有新通知会在屏幕角落弹出提示。"; }
    else if (p === "denied") { state.textContent = "桌面通知已被浏览器禁止，如需开启，请在浏览器的网站设置中允许通知。"; }
    else { state.textContent = ""; }
  }

  function askPermission() {
    var done = function () { permissionState(); };
    try {
      var asked = Notification.requestPermission(done);
      if (asked && asked.then) { asked.then(done); }
    } catch (e) { done(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    prefix = document.body.dataset.prefix || "";
    badge = document.getElementById("notice-badge");
    link = document.getElementById("notice-link");
    if (!badge) { return; }
    var button = document.getElementById("notify-on");
    if (button) { button.addEventListener("click", askPermission); }
    permissionState();
    document.addEventListener("visibilitychange", function () {
      if (document.hidden) {
        if (timer !== null) { window.clearTimeout(timer); timer = null; }
      } else {
        poll();
      }
    });
    if (!document.hidden) { poll(); }
  });
})();
