// 试算: show only the parts of the form that apply (the household's source, the aid type's
// fields), and add invoice lines. Without it every part is shown and the server reads only
// what applies.
(function () {
  "use strict";
  var form = document.getElementById("trial-form");
  if (!form) return;

  function checked(name) {
    var el = form.querySelector("input[name=" + name + "]:checked");
    return el ? el.value : "";
  }

  function update() {
    var source = checked("source");
    var aid = form.querySelector("[name=aid_type]").value;
    form.querySelectorAll("[data-show-source]").forEach(function (el) {
      el.hidden = el.getAttribute("data-show-source") !== source;
    });
    form.querySelectorAll("[data-show-aid]").forEach(function (el) {
      el.hidden = el.getAttribute("data-show-aid") !== aid;
    });
  }

  form.addEventListener("change", update);
  update();

  var add = document.getElementById("add-invoice");
  var template = document.getElementById("invoice-line-template");
  var total = form.querySelector("[name=invoice-TOTAL_FORMS]");
  if (add && template && total) {
    add.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      document.getElementById("invoice-lines").insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
    });
  }
})();
