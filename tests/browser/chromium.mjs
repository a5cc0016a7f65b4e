// Launch Debian's headless Chromium through playwright-core (no browser download), with a fresh
// profile directory and no network services; shared by the browser and bundler tests.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

/** Open `url`, wait until the page sets document.title to "ready"; returns {page, close}. */
export async function openPage(url) {
  const profile = mkdtempSync(join(tmpdir(), "wendu-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
  const close = async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  };
  try {
    const page = context.pages()[0] || (await context.newPage());
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    await page.goto(url);
    await page.waitForFunction(() => document.title === "ready", null, { timeout: 30_000 }).catch((e) => {
      throw new Error(`${url} did not get ready: ${errors.join("; ") || e.message}`);
    });
    return { page, close };
  } catch (e) {
    await close();
    throw e;
  }
}
