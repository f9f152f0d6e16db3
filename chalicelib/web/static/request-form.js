// The request form's attachments: each file goes straight to S3 through a presigned POST the
// server signs for this form; the form then carries only the uploaded keys (hidden fields).
// Everything else in the form works without this script.
(function () {
  "use strict";
  var form = document.getElementById("request-form");
  var box = document.getElementById("attachments");
  if (!form || !box || !window.fetch || !window.FormData) return;
  box.hidden = false;
  var input = box.querySelector("input[type=file]");
  var list = box.querySelector("ul.files");
  var problem = box.querySelector(".upload-error");
  var submit = form.querySelector("button[type=submit]");
  var maxFiles = Number(box.dataset.maxFiles);
  var maxFile = Number(box.dataset.maxFileMb) * 1024 * 1024;
  var maxTotal = Number(box.dataset.maxTotalMb) * 1024 * 1024;
  var pending = 0;

  function say(text) {
    problem.textContent = text;
    problem.hidden = !text;
  }

  function busy(delta) {
    pending += delta;
    submit.disabled = pending > 0;
  }

  function totalSize() {
    var sum = 0;
    list.querySelectorAll("li[data-size]").forEach(function (item) { sum += Number(item.dataset.size); });
    return sum;
  }

  function removable(item) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "remove";
    button.textContent = "Remove";
    button.setAttribute("aria-label", "Remove " + item.querySelector(".name").textContent);
    button.addEventListener("click", function () { item.remove(); say(""); });
    item.appendChild(button);
  }

  function row(name) {
    var item = document.createElement("li");
    var label = document.createElement("span");
    label.className = "name";
    label.textContent = name;
    var state = document.createElement("span");
    state.className = "state";
    state.textContent = "uploading…";
    item.append(label, " ", state);
    list.appendChild(item);
    return item;
  }

  function upload(file) {
    if (list.children.length >= maxFiles) return say("Please attach at most " + maxFiles + " files.");
    if (file.size > maxFile) return say(file.name + " is larger than " + box.dataset.maxFileMb + " MB.");
    if (totalSize() + file.size > maxTotal) return say("The files would add up to more than " + box.dataset.maxTotalMb + " MB.");
    var item = row(file.name);
    item.dataset.size = String(file.size);
    busy(1);
    fetch("/support/uploads", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: form.elements.token.value, filename: file.name, content_type: file.type, size: file.size })
    })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) throw new Error(body.message || "The upload was refused.");
          return body;
        });
      })
      .then(function (post) {
        var data = new FormData();
        Object.keys(post.fields).forEach(function (name) { data.append(name, post.fields[name]); });
        data.append("file", file);  // S3 reads the file last
        return fetch(post.url, { method: "POST", body: data }).then(function (response) {
          if (!response.ok) throw new Error("The upload failed (" + response.status + "). Please try again.");
          return post;
        });
      })
      .then(function (post) {
        var key = document.createElement("input");
        key.type = "hidden";
        key.name = "attachment";
        key.value = post.key;
        item.dataset.key = post.key;
        item.querySelector(".state").textContent = "attached";
        item.appendChild(key);
        removable(item);
      })
      .catch(function (error) {
        item.remove();
        say(file.name + ": " + error.message);
      })
      .finally(function () { busy(-1); });
  }

  list.querySelectorAll("li").forEach(removable);
  input.addEventListener("change", function () {
    say("");
    Array.prototype.forEach.call(input.files, upload);
    input.value = "";
  });
  form.addEventListener("submit", function (event) {
    if (pending > 0) event.preventDefault();
  });
})();
