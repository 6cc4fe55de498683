// @ts-check
// Light and dark themes: the system's choice until the person picks one, kept in this browser.
const KEY = "secops.theme";

/** @returns {"light" | "dark"} */
function initial() {
  try {
    const saved = window.localStorage.getItem(KEY);
    if (saved === "light" || saved === "dark") return saved;
  } catch { /* storage may be off */ }
  return window.matchMedia && window.matchMedia("(prefers-color-scheme: light)").matches ? "light" : "dark";
}

/** @param {"light" | "dark"} theme */
function apply(theme) {
  document.documentElement.setAttribute("data-theme", theme);
  const b = document.querySelector('[data-testid="theme-toggle"]');
  if (b) {
    b.textContent = theme === "dark" ? "Light theme" : "Dark theme";
    b.setAttribute("aria-pressed", String(theme === "light"));
  }
}

export function initTheme() {
  apply(initial());
  document.querySelector('[data-testid="theme-toggle"]')?.addEventListener("click", () => {
    const next = document.documentElement.getAttribute("data-theme") === "dark" ? "light" : "dark";
    try { window.localStorage.setItem(KEY, next); } catch { /* ignore */ }
    apply(next);
  });
}
