// Join form: show the school field only for students. Without JavaScript every field
// is shown and the server checks the combination.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector(".join-form");
  if (!form) return;
  var school = form.querySelector(".school-field");
  function update() {
    var checked = form.querySelector("input[name=membership_type]:checked");
    if (school) school.hidden = !(checked && checked.value === "student");
  }
  form.addEventListener("change", update);
  update();
});
