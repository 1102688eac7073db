// The chat: messages, buttons, files. Every text is put in with textContent, never as HTML.
"use strict";
(function () {
  var prefix, csrf, box, last = 0;

  function post(path, body, isForm) {
    var headers = { "X-CSRF-Token": csrf };
    if (!isForm) { headers["Content-Type"] = "application/json"; }
    return fetch(prefix + path, { method: "POST", headers: headers, body: isForm ? body : JSON.stringify(body), credentials: "same-origin" })
      .then(function (r) {
        if (r.status === 401) { window.location = prefix + "/login"; }
        return r.json();
      });
  }

  function render(m) {
    if (m.id <= last) { return; }
    last = m.id;
    var div = document.createElement("div");
    div.className = "msg " + (m.from === "me" ? "me" : "bot") + (m.note ? " note" : "");
    div.dataset.id = m.id;
    var text = document.createElement("div");
    text.className = "text";
    text.textContent = m.text || "";
    div.appendChild(text);
    (m.files || (m.doc ? [m.doc] : [])).forEach(function (f) {
      var a = document.createElement("a");
      a.href = prefix + "/doc/" + encodeURIComponent(f.id);
      if (f.kind === "image") {
        a.className = "page";
        a.target = "_blank";
        var img = document.createElement("img");
        img.src = a.href;
        img.alt = f.name;
        img.loading = "lazy";
        a.appendChild(img);
      } else {
        a.className = "doc";
        a.setAttribute("download", f.name);
        a.textContent = "📄 下载 " + f.name;
      }
      div.appendChild(a);
    });
    if (m.buttons && m.buttons.length) {
      var row = document.createElement("div");
      row.className = "buttons";
      m.buttons.forEach(function (line) {
        line.forEach(function (b) {
          var btn = document.createElement("button");
          btn.type = "button";
          btn.textContent = b.label;
          btn.addEventListener("click", function () { send({ kind: "button", text: b.data, label: b.label }); });
          row.appendChild(btn);
        });
      });
      div.appendChild(row);
    }
    box.appendChild(div);
  }

  function append(messages) {
    (messages || []).forEach(render);
    box.scrollTop = box.scrollHeight;
    (messages || []).forEach(function (m) { if (m.waiting) { awaitPages(m.id, 0); } });
  }

  // A message that says the pages are being made: ask for new messages until the one answering it comes.
  function awaitPages(id, tries) {
    if (tries > 120) { return; }
    setTimeout(function () {
      fetch(prefix + "/api/messages?after=" + last, { credentials: "same-origin" }).then(function (r) { return r.json(); })
        .then(function (data) {
          append(data.messages);
          if (!(data.messages || []).some(function (m) { return m.answers === id; })) { awaitPages(id, tries + 1); }
        });
    }, 1000);
  }
  window.chatAppend = append;

  function busy(on) {
    document.querySelectorAll("#composer button, .msg .buttons button").forEach(function (b) { b.disabled = on; });
  }

  function send(body) {
    busy(true);
    return post("/api/send", body).then(function (data) {
      append(data.messages);
      if (window.gridRefresh) { window.gridRefresh(); }
    }).finally(function () { busy(false); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    prefix = document.body.dataset.prefix;
    csrf = document.body.dataset.csrf;
    box = document.getElementById("messages");
    if (!box) { return; }
    fetch(prefix + "/api/messages", { credentials: "same-origin" }).then(function (r) { return r.json(); })
      .then(function (data) { append(data.messages); });
    var text = document.getElementById("text");
    document.getElementById("composer").addEventListener("submit", function (e) {
      e.preventDefault();
      var value = text.value;
      if (!value.trim()) { return; }
      text.value = "";
      send({ kind: "text", text: value });
    });
    text.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        document.getElementById("send").click();
      }
    });
    document.getElementById("menu").addEventListener("click", function () { send({ kind: "text", text: "/menu" }); });
    document.getElementById("file").addEventListener("change", function (e) {
      var file = e.target.files[0];
      if (!file) { return; }
      if (file.size > 10 * 1024 * 1024) {
        append([{ id: last + 0.5, from: "bot", text: "文件太大，请上传不超过10 MB的文件。", note: true }]);
        e.target.value = "";
        return;
      }
      var form = new FormData();
      form.append("file", file);
      busy(true);
      post("/api/upload", form, true).then(function (data) {
        append(data.messages);
        if (window.gridRefresh) { window.gridRefresh(); }
      }).finally(function () { busy(false); e.target.value = ""; });
    });
  });
})();
