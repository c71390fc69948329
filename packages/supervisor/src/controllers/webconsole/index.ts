export {
  PROXY_SERVICE,
  startWebConsoleRequestController,
  WEB_CONSOLE_CONTROLLER,
  WEB_CONSOLE_EXPIRY_MS,
  type WebConsoleRequestControllerDeps,
} from './webconsole-request.js';
