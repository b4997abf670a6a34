// 窓口 Webチャット: sends each message without reloading the page. Every reply is built
// with text nodes (textContent) and links whose address the server computed, so nothing a
// reply says can become markup. Without this script the page still works (form posts).
(function () {
  "use strict";
  var main = document.getElementById("main");
  var log = document.getElementById("log");
  var form = document.getElementById("ask");
  var input = document.getElementById("text");
  var csrf = main.getAttribute("data-csrf");

  function mine(text) {
    var li = document.createElement("li"); li.className = "me";
    var who = document.createElement("span"); who.className = "sr-only"; who.textContent = "あなた: ";
    var msg = document.createElement("span"); msg.className = "msg"; msg.textContent = text;
    li.appendChild(who); li.appendChild(msg); log.appendChild(li);
  }

  function reply(r) {
    var li = document.createElement("li"); li.className = "bot";
    var who = document.createElement("span"); who.className = "sr-only"; who.textContent = "窓口: ";
    var msg = document.createElement("div"); msg.className = "msg";
    r.parts.forEach(function (p) {
      if (p.tel) { var a = document.createElement("a"); a.href = p.tel; a.textContent = p.text; msg.appendChild(a); }
      else { msg.appendChild(document.createTextNode(p.text)); }
    });
    li.appendChild(who); li.appendChild(msg);
    if (r.buttons.length || r.links.length) {
      var box = document.createElement("div"); box.className = "choices";
      r.buttons.forEach(function (b) {
        var button = document.createElement("button"); button.type = "button"; button.textContent = b.label;
        button.addEventListener("click", function () { say({postback: b.data}, b.label); });
        box.appendChild(button);
      });
      r.links.forEach(function (l) {
        if (!/^(https?:|tel:)/.test(l.url)) { return; }
        var a = document.createElement("a"); a.href = l.url; a.textContent = l.label;
        if (!l.tel) { a.target = "_blank"; a.rel = "noopener"; }
        box.appendChild(a);
      });
      li.appendChild(box);
    }
    log.appendChild(li);
  }

  function say(body, shown) {
    mine(shown);
    fetch("/chat/say", {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf}, body: JSON.stringify(body)})
      .then(function (r) { return r.json(); })
      .then(function (data) { (data.replies || []).forEach(reply); window.scrollTo(0, document.body.scrollHeight); })
      .catch(function () { reply({parts: [{text: "送れませんでした。少し待ってから、もう一度送ってください。"}], buttons: [], links: []}); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    say({text: text}, text);
  });
  document.querySelectorAll("button[data-postback]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      say({postback: button.getAttribute("data-postback")}, button.textContent);
    });
  });
})();
