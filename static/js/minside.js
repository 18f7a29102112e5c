// Min side: on the resignation form, show the union fields only for a transfer.
// Without JavaScript all fields are shown and the server checks the combination.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector(".resign-form");
  if (!form) return;
  var unionFields = form.querySelectorAll(".union-field");
  function update() {
    var checked = form.querySelector("input[name=reason]:checked");
    var transfer = checked && checked.value.indexOf("transfer") === 0;
    unionFields.forEach(function (el) { el.hidden = !transfer; });
  }
  form.addEventListener("change", update);
  update();
});
