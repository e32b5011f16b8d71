import { useCallback, useState, type MouseEvent } from 'react';
import { useServerGem } from '../hooks/use-servergem';
import { accessTokenStore, githubTokenStore } from '../lib/browser-storage';
import { useRoute } from '../lib/route';
import { Chat } from './Chat';
import { ConnectionStatus } from './ConnectionStatus';
import { DeployForm } from './DeployForm';
import { DeploymentPage } from './DeploymentPage';
import { DeploymentView } from './DeploymentView';
import { History } from './History';
import { SecretField } from './SecretField';
import { ServicesPage } from './ServicesPage';

export function App() {
  const [accessToken, setAccessToken] = useState(accessTokenStore.get);
  const [githubToken, setGithubToken] = useState(githubTokenStore.get);
  const { connection, chat, awaitingReply, deployment, send, press, clearDeployment, socket } = useServerGem(accessToken);
  const connected = connection.state === 'connected';
  const [route, navigate] = useRoute();
  const link = (path: string) => (event: MouseEvent) => {
    event.preventDefault();
    navigate(path);
  };

  const saveAccessToken = useCallback((token: string) => {
    accessTokenStore.set(token);
    setAccessToken(token);
  }, []);
  const saveGithubToken = useCallback((token: string) => {
    githubTokenStore.set(token);
    setGithubToken(token);
  }, []);

  // The history refreshes when the watched deployment starts and when it ends.
  const historyKey = deployment ? `${deployment.deploymentId}:${deployment.complete || deployment.error ? 'done' : 'running'}` : 'none';

  return (
    <div className="app">
      <header className="topbar">
        <h1 className="brand">
          <span className="brand-mark" aria-hidden="true">
            ◆
          </span>
          ServerGem
        </h1>
        <nav className="topbar-nav" aria-label="Pages">
          <a href="/" aria-current={route.page === 'home' ? 'page' : undefined} onClick={link('/')}>
            Deploy
          </a>
          <a href="/services" data-testid="nav-services" aria-current={route.page === 'services' ? 'page' : undefined} onClick={link('/services')}>
            Services
          </a>
        </nav>
        <ConnectionStatus connection={connection} />
        <div className="topbar-settings">
          <SecretField
            name="Access token"
            connectLabel="Set access token"
            help="The login link ServerGem prints when it starts sets it; otherwise paste the token (SERVERGEM_HOME/access-token, or one of AUTH_TOKEN). Kept in this browser."
            isSet={accessToken !== ''}
            onSave={saveAccessToken}
            testId="access-token"
          />
        </div>
      </header>
      {route.page === 'services' && <ServicesPage accessToken={accessToken} selected={route.name} navigate={navigate} />}
      {route.page === 'deployment' && <DeploymentPage id={route.id} accessToken={accessToken} note={route.note} />}
      <main className="layout" hidden={route.page !== 'home'}>
        <div className="column">
          <DeployForm connected={connected} busy={awaitingReply} githubToken={githubToken} onGithubToken={saveGithubToken} onDeploy={send} socket={socket} />
          <Chat entries={chat} connected={connected} awaitingReply={awaitingReply} githubToken={githubToken} onSend={send} onPress={press} />
        </div>
        <div className="column column-wide">
          <section className="card" aria-labelledby="progress-title">
            <div className="card-title-row">
              <h2 id="progress-title">Deployment</h2>
              {deployment && (
                <button type="button" className="button button-link" onClick={clearDeployment}>
                  Close
                </button>
              )}
            </div>
            {deployment ? (
              <DeploymentView deployment={deployment} testIdPrefix="deployment" accessToken={accessToken} />
            ) : (
              <p className="muted">Nothing deploying. Enter a folder or repository and press Deploy, or ask in the chat.</p>
            )}
          </section>
          <History accessToken={accessToken} refreshKey={historyKey} />
        </div>
      </main>
    </div>
  );
}
