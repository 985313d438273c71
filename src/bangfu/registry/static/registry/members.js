// 添加成员 without a round trip: copy the empty member form and bump the formset's
// TOTAL_FORMS. Without JavaScript the same button asks the server for one more row.
(function () {
  var button = document.getElementById("add-member");
  var template = document.getElementById("member-template");
  var list = document.getElementById("members");
  var total = document.getElementById("id_m-TOTAL_FORMS");
  if (!button || !template || !list || !total) return;

  function renumber() {
    var rows = list.querySelectorAll("fieldset.member");
    for (var i = 0; i < rows.length; i++) {
      var no = rows[i].querySelector(".member-no");
      if (no) no.textContent = i + 1;
    }
  }

  button.addEventListener("click", function (event) {
    event.preventDefault();
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    var row = holder.firstElementChild;
    list.appendChild(row);
    total.value = index + 1;
    renumber();
    var first = row.querySelector("input[type=text]");
    if (first) first.focus();
  });

  list.addEventListener("click", function (event) {
    if (!event.target.classList.contains("js-remove")) return;
    // Only rows added in this page are removed outright; the formset ignores an empty row,
    // so clearing its inputs is enough and keeps the indexes contiguous.
    var row = event.target.closest("fieldset.member");
    row.querySelectorAll("input[type=text], input[type=date], select").forEach(function (el) { el.value = ""; });
    row.hidden = true;
  });
})();
