// The four stages in pipeline order, for whatever runs them together (npm start runs each as
// its own process; the bench and the end-to-end tests run them in one).
import { enricherStage } from "./enricher/main.js";
import { investigatorStage } from "./investigator/main.js";
import { deciderStage } from "./decider/main.js";
import { responderStage } from "./responder/main.js";

export const PIPELINE_STAGES = [enricherStage, investigatorStage, deciderStage, responderStage] as const;
