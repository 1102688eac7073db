// The three tables as editable grids. Values, findings and comments come from the server; a save
// sends the changed cells (and the totals a paste stated, to be checked) to POST /api/grid/TABLE, which
// stores them all or none beside the chat (never through it) and answers with the grid as saved.
"use strict";
(function () {
  var prefix, csrf, data = null, current = "table3", original = {}, stated = {};

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }

  function marks() {
    var bad = {}, noted = {};
    var blank = {};
    (data.findings || []).forEach(function (f) {
      if (f.level !== "error") { return; }
      var into = f.rule === "E-BLANK" ? blank : bad;
      f.cells.forEach(function (c) { into[c] = (into[c] ? into[c] + "\n" : "") + f.message; });
    });
    (data.comments || []).forEach(function (c) { noted[c.target] = (noted[c.target] ? noted[c.target] + "\n" : "") + "审核意见：" + c.text; });
    return { bad: bad, blank: blank, noted: noted };
  }

  function cell(c, m, label) {
    return fill(el("td"), c, m, label);
  }

  // One value cell: its value, or an input where the person may type it; findings and comments marked.
  function fill(td, c, m, label) {
    td.dataset.path = c.path;
    var value = data.values ? data.values[c.path] : null;
    var rowTarget = c.path.split(".").slice(0, 2).join(".");
    var comment = m.noted[c.path] || m.noted[rowTarget];
    if (m.bad[c.path]) { td.classList.add("bad"); td.title = m.bad[c.path]; }
    else if (m.blank[c.path] && c.editable) { td.classList.add("blank"); td.title = "未填写（没有的填0）"; }
    if (comment) { td.classList.add("commented"); td.title = (td.title ? td.title + "\n" : "") + comment; }
    if (c.editable && !data.readonly) {
      var input = el("input");
      input.inputMode = c.money ? "decimal" : "numeric";
      if (c.money) { input.dataset.money = "1"; }
      input.value = value === null || value === undefined ? "" : value;
      input.dataset.path = c.path;
      input.setAttribute("aria-label", label || c.path);
      input.addEventListener("paste", onPaste);
      input.addEventListener("input", function () { liveCheck(input); });
      td.appendChild(input);
    } else {
      td.textContent = value === null || value === undefined ? "" : value;
      if (!c.editable) { td.classList.add("total"); }
    }
    return td;
  }

  // Totals as the clerk types (the engine computes the stored ones the same way on saving):
  // each row's 总计, and 表三's （七）总计 row from its leaf rows.
  function liveTotals() {
    var layout = data.layout[current];
    if (current === "table2") { return; }
    function num(path) {
      var input = document.querySelector("#grid input[data-path='" + path + "']");
      var td = document.querySelector("#grid td[data-path='" + path + "']");
      var v = input ? input.value : (td ? td.textContent : "");
      return /^\d+$/.test(v.trim()) ? Number(v) : null;
    }
    function show(path, value) {
      var td = document.querySelector("#grid td[data-path='" + path + "']");
      if (td && !td.querySelector("input")) { td.textContent = value === null ? "" : String(value); }
    }
    function sum(paths) {
      var total = 0;
      for (var i = 0; i < paths.length; i++) { var v = num(paths[i]); if (v === null) { return null; } total += v; }
      return total;
    }
    var cols = (layout.columns || []).map(function (c) { return c.key; });
    var parts = cols.slice(0, cols.length - 1), last = cols[cols.length - 1];
    if (current === "table3") {
      parts.forEach(function (col) {
        show("table3." + layout.total_row + "." + col,
          sum(layout.rows.filter(function (r) { return r.leaf; }).map(function (r) { return "table3." + r.key + "." + col; })));
      });
    }
    layout.rows.forEach(function (r) {
      show(current + "." + r.key + "." + last, sum(parts.map(function (col) { return current + "." + r.key + "." + col; })));
    });
  }

  function liveCheck(input) {
    var v = input.value.trim();
    var money = input.dataset.money === "1";
    var ok = money ? /^\d+(\.\d+)?$/.test(v) : /^\d+$/.test(v);
    input.parentNode.classList.toggle("bad", !ok);
    input.parentNode.title = ok ? "" : (money ? "请填写金额（万元，可有小数；没有的填0）" : "请填写整数（没有的填0）");
    liveTotals();
  }

  function render() {
    var wrap = document.getElementById("grid");
    wrap.textContent = "";
    document.getElementById("findings").textContent = "";
    if (!data || !data.report) {
      document.getElementById("grid-title").textContent = data && data.refused ? "无权查看该报告。" : "先在左边回答单位信息，表格就会出现在这里。";
      document.getElementById("grid-save").hidden = true;
      return;
    }
    var layout = data.layout[current], m = marks();
    document.getElementById("grid-title").textContent = layout.name + "　" + layout.title + (data.readonly ? "（只读）" : "");
    document.getElementById("grid-save").hidden = !!data.readonly;
    var table = layout.html ? official(layout, m) : plain(layout, m);
    table.id = "grid-" + current;
    wrap.appendChild(table);
    original = {};
    wrap.querySelectorAll("input").forEach(function (i) { original[i.dataset.path] = i.value; });
    var list = document.getElementById("findings"), blanks = 0;
    (data.findings || []).forEach(function (f) {
      if (!f.cells.some(function (c) { return c.indexOf(current + ".") === 0; })) { return; }
      if (f.rule === "E-BLANK") { blanks += 1; return; }
      list.appendChild(el("li", f.level, f.message));
    });
    if (blanks) { list.appendChild(el("li", "blank", "还有" + blanks + "处未填写（浅黄色格子），没有的请填0。")); }
    (data.comments || []).forEach(function (c) {
      if (c.target.indexOf(current) === 0) { list.appendChild(el("li", "comment", "审核意见：" + c.text)); }
    });
  }

  // The table in its official layout, as the server drew it from the format definition (the county's view
  // and the document draw the same): group headers and merged labels; its value cells are filled here.
  function official(layout, m) {
    var holder = el("div");
    holder.innerHTML = layout.html;  // the server's own markup, every text escaped there
    var table = holder.querySelector("table");
    table.querySelectorAll("td[data-path]").forEach(function (td) {
      fill(td, { path: td.dataset.path, editable: td.dataset.editable === "1" }, m, layout.name + " " + td.dataset.label);
      td.parentNode.dataset.row = td.dataset.path.split(".")[1];
    });
    return table;
  }

  // A table as rows of a label and cells (表二's blocks, 表四's groups).
  function plain(layout, m) {
    var table = el("table", "grid");
    var body = el("tbody");
    if (layout.columns) {
      var head = el("tr");
      head.appendChild(el("th", "", ""));
      layout.columns.forEach(function (c) { head.appendChild(el("th", "", c.label)); });
      body.appendChild(head);
    }
    var block = null;
    layout.rows.forEach(function (row) {
      if (row.block && row.block !== block) {
        block = row.block;
        var tr = el("tr", "block");
        var th = el("th", "", row.block + "　" + row.header.slice(1).join(" / "));
        th.colSpan = 4;
        tr.appendChild(th);
        body.appendChild(tr);
      }
      var tr2 = el("tr");
      tr2.dataset.row = row.key;
      tr2.appendChild(el("th", "rowlabel depth" + (row.depth || 0), row.label));
      row.cells.forEach(function (c, i) {
        var column = layout.columns && layout.columns[i] ? layout.columns[i].label : "";
        tr2.appendChild(cell(c, m, layout.name + " " + row.label + (column ? " " + column : "")));
      });
      body.appendChild(tr2);
    });
    table.appendChild(body);
    return table;
  }

  function onPaste(e) {
    var text = (e.clipboardData || window.clipboardData).getData("text");
    if (!text || !/[\t\n]|\S\s+\S/.test(text.trim())) { return; }
    e.preventDefault();
    var rows = Array.prototype.slice.call(document.querySelectorAll("#grid tr[data-row]"))
      .filter(function (tr) { return tr.querySelector("input"); });
    var r0 = -1, c0 = -1;
    rows.forEach(function (tr, i) {
      var j = Array.prototype.indexOf.call(tr.querySelectorAll("input"), e.target);
      if (j >= 0) { r0 = i; c0 = j; }
    });
    var layout = data.layout[current], cols = (layout.columns || []).map(function (c) { return c.key; });
    text.replace(/\r/g, "").split("\n").filter(function (l) { return l.trim(); }).forEach(function (line, i) {
      var cells = line.indexOf("\t") >= 0 ? line.split("\t") : line.trim().split(/[\s,，、]+/);
      while (cells.length && !/^\s*[\d０-９.]*\s*$/.test(cells[0])) { cells.shift(); }  // the row's label
      var tr = rows[r0 + i];
      if (!tr) { return; }
      var inputs = tr.querySelectorAll("input");
      cells.forEach(function (v, j) {
        var value = v.trim().replace(/[０-９]/g, function (d) { return String.fromCharCode(d.charCodeAt(0) - 0xFEE0); });
        var input = inputs[c0 + j];
        if (input) { input.value = value; liveCheck(input); }
        else if (c0 + j === inputs.length && cols.length && current !== "table2" && value) {
          // one value more than the row's cells: the total the pasted row states, checked on saving
          stated[current + "." + tr.dataset.row + "." + cols[cols.length - 1]] = value;
        }
      });
    });
    showStated();
  }

  function showStated() {
    Object.keys(stated).forEach(function (path) {
      var td = document.querySelector("#grid td[data-path='" + path + "']");
      if (td) { td.classList.add("stated"); td.title = "粘贴的总计：" + stated[path] + "（保存时核对）"; }
    });
  }

  function save() {
    var note = document.getElementById("grid-note");
    var cells = {};
    document.querySelectorAll("#grid input").forEach(function (i) {
      if (i.value !== original[i.dataset.path]) { cells[i.dataset.path] = i.value; }
    });
    Object.keys(stated).forEach(function (path) { cells[path] = stated[path]; });
    if (!Object.keys(cells).length) { note.textContent = "没有修改。"; return; }
    note.textContent = "正在保存…";
    note.className = "note";
    document.getElementById("grid-save").disabled = true;
    fetch(prefix + "/api/grid/" + current, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ report: data.report, cells: cells })
    }).then(function (r) { return r.json(); }).then(function (res) {
      if (res.error) { note.textContent = res.error; note.className = "note error"; return; }  // the edits stay in the grid
      stated = {};
      data = Object.assign({ layout: data.layout }, res);
      render();
      note.className = "note";
      note.textContent = ["已保存。"].concat(res.saved || [], res.notices || []).join(" ") + "（可在对话中发送 /undo 撤销这次保存）";
    }).catch(function () {
      note.textContent = "保存失败，请检查网络后重试。"; note.className = "note error";
    }).finally(function () { document.getElementById("grid-save").disabled = false; });
  }

  // Edits typed or pasted in the grid and not yet saved.
  function dirty() {
    if (Object.keys(stated).length) { return true; }
    var found = false;
    document.querySelectorAll("#grid input").forEach(function (i) { if (i.value !== original[i.dataset.path]) { found = true; } });
    return found;
  }

  // After a chat answer the grid is fetched again; unsaved edits are never overwritten by it.
  function refresh() {
    return fetch(prefix + "/api/grid", { credentials: "same-origin" }).then(function (r) { return r.json(); })
      .then(function (d) {
        if (data && dirty()) {
          var note = document.getElementById("grid-note");
          note.textContent = "表格有未保存的修改：保存后即显示对话中的最新数据。";
          note.className = "note";
          return;
        }
        data = d; stated = {}; render();
      });
  }
  window.gridRefresh = refresh;

  document.addEventListener("DOMContentLoaded", function () {
    prefix = document.body.dataset.prefix;
    csrf = document.body.dataset.csrf;
    if (!document.getElementById("grid")) { return; }
    document.querySelectorAll(".tabs button").forEach(function (b) {
      b.addEventListener("click", function () {
        if (b.dataset.table !== current && dirty() && !window.confirm("本表有未保存的修改，切换后将丢失。确定切换吗？")) { return; }
        document.querySelectorAll(".tabs button").forEach(function (x) { x.classList.remove("active"); });
        b.classList.add("active");
        current = b.dataset.table;
        stated = {};
        render();
      });
    });
    document.getElementById("grid-save").addEventListener("click", save);
    window.addEventListener("beforeunload", function (e) {  // the browser asks before leaving with unsaved edits
      if (data && dirty()) { e.preventDefault(); e.returnValue = ""; }
    });
    refresh();
  });
})();
