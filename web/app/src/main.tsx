import { render } from 'preact';
import { App } from './App';
import './style.css';

const root = document.getElementById('root')!;
root.textContent = ''; // the boot message
render(<App />, root);
