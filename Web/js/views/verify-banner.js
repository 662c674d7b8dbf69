// "Confirm your email address": while the account's address is not confirmed (the server
// asks for it: EMAIL_VERIFICATION=required), a line above the lists says where the link
// went, with "Send it again". It goes once the address is confirmed.

export function renderVerifyBanner(state, { resend, onError }) {
  const banner = document.getElementById("verify-banner");
  const text = document.getElementById("verify-text");
  const button = document.getElementById("verify-resend");

  function draw() {
    const me = state.me;
    banner.hidden = !me || me.emailVerified !== false;
    if (!banner.hidden) text.textContent = `Confirm your email address to write to anyone: we sent a link to ${me.email}.`;
  }

  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await resend();
      text.textContent = `A new link is on its way to ${state.me.email}.`;
    } catch (error) {
      onError(error);
    } finally {
      button.disabled = false;
    }
  });
  state.on("me", draw);
  draw();
}
