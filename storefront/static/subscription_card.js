// Replace a subscription's card (and pay an overdue renewal with it): Stripe.js tokenises the
// card, which never reaches our server; we send the token and handle 3-D Secure and declines.
(function () {
  "use strict";
  const form = document.getElementById("card-form");
  if (!form) return;
  const button = document.getElementById("card-button");
  const banner = document.getElementById("card-banner");
  const cardError = document.getElementById("card-error");
  const csrfToken = form.querySelector('input[name="csrf_token"]').value;
  const stripe = window.Stripe(form.dataset.publishableKey);
  const card = stripe.elements().create("card");
  card.mount("#card-element");
  let busy = false;

  function showError(field, message) {
    const target = field === "card" ? cardError : banner;
    target.textContent = message;
    target.hidden = false;
  }

  function setBusy(value) {
    busy = value;
    button.disabled = value;
    button.setAttribute("aria-busy", String(value));
  }

  async function postJson(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
      body: JSON.stringify(body),
    });
    let data = {};
    try { data = await response.json(); } catch (e) { data = {}; }
    return data;
  }

  async function handle(data) {
    if (data.status === "succeeded" || data.status === "processing") {
      window.location.assign(data.redirect);
      return;
    }
    if (data.status === "requires_action") {
      await stripe.confirmCardPayment(data.client_secret);
      await handle(await postJson(data.confirm_url, {}));
      return;
    }
    const error = data.error || { message: form.dataset.genericError };
    showError(error.field, error.message);
    setBusy(false);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    banner.hidden = true;
    cardError.hidden = true;
    setBusy(true);
    try {
      const result = await stripe.createToken(card);
      if (result.error || !result.token) {
        showError("card", (result.error && result.error.message) || form.dataset.cardError);
        setBusy(false);
        return;
      }
      await handle(await postJson(form.dataset.saveUrl, { card_token: result.token.id }));
    } catch (e) {
      showError(null, form.dataset.genericError);
      setBusy(false);
    }
  });
})();
