// `secops resume`: lifts the kill switch (see pause-command.ts).
import { pauseCommand } from "./pause-command.js";

export const command = pauseCommand(false);
