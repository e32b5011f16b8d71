import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './components/App';
import { accessTokenStore } from './lib/browser-storage';
import { takeLoginToken } from './lib/login-link';
import './styles.css';

// Opened through the login link: that token is this browser's access token from now on.
const loginToken = takeLoginToken();
if (loginToken) accessTokenStore.set(loginToken);

const root = document.getElementById('root');
if (!root) throw new Error('The page has no #root element.');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
