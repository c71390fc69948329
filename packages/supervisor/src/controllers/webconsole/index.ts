export {
  PROXY_SERVICE,
  startWebConsoleRequestControllers,
  V1ALPHA1_WEB_CONSOLE_CONTROLLER,
  WEB_CONSOLE_CONTROLLER,
  WEB_CONSOLE_EXPIRY_MS,
  type WebConsoleRequestControllerDeps,
} from './webconsole-request.js';
