// The payment page: Stripe.js collects the card (it never reaches our server); we send the
// card id and the billing details, then handle 3-D Secure and declines.
(function () {
  "use strict";
  const form = document.getElementById("checkout-form");
  if (!form) return;
  const payButton = document.getElementById("pay-button");
  const banner = document.getElementById("checkout-banner");
  const csrfToken = form.querySelector('input[name="csrf_token"]').value;
  const stripe = window.Stripe(form.dataset.publishableKey);
  const card = stripe.elements().create("card");
  card.mount("#card-element");
  let attempt = form.dataset.attempt;
  let busy = false;

  function showError(field, message) {
    const target = document.getElementById((field || "banner") + "-error");
    if (target) {
      target.textContent = message;
      target.hidden = false;
    } else {
      banner.textContent = message;
      banner.hidden = false;
    }
  }

  function clearErrors() {
    form.querySelectorAll(".error").forEach((node) => { node.textContent = ""; node.hidden = true; });
    banner.hidden = true;
  }

  function setBusy(value) {
    busy = value;
    payButton.disabled = value;
    payButton.setAttribute("aria-busy", String(value));
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
    return { status: response.status, data: data };
  }

  async function handle(result) {
    const data = result.data;
    if (data.status === "succeeded" || data.status === "processing") {
      window.location.assign(data.redirect);
      return;
    }
    if (data.status === "requires_action") {
      await stripe.confirmCardPayment(data.client_secret);
      await handle(await postJson(data.confirm_url, {}));
      return;
    }
    if (data.error && data.error.code === "cart_changed") {
      window.location.assign(form.dataset.cartUrl);
      return;
    }
    if (data.attempt) attempt = data.attempt;  // a declined card: the next try is a new attempt
    const error = data.error || { message: form.dataset.genericError };
    showError(error.field, error.message);
    setBusy(false);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    clearErrors();
    setBusy(true);
    try {
      const tokenResult = await stripe.createToken(card);
      if (tokenResult.error || !tokenResult.token) {
        showError("card", (tokenResult.error && tokenResult.error.message) || form.dataset.cardError);
        setBusy(false);
        return;
      }
      const body = {
        billing_name: form.elements.billing_name.value,
        billing_email: form.elements.billing_email.value,
        billing_country: form.elements.billing_country.value,
        payment_method: tokenResult.token.card.id,
        card_token: tokenResult.token.id,  // saved to the buyer's customer for subscriptions
        attempt: attempt,
        cart: form.dataset.cart,  // the cart as shown: the server refuses if it changed since
      };
      await handle(await postJson(form.dataset.payUrl, body));
    } catch (e) {
      showError(null, form.dataset.genericError);
      setBusy(false);
    }
  });
})();
