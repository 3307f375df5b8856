// Stands in for react-style-singleton (build.mjs aliases it), which GraphiQL's dialogs use to
// lock the page's scrolling. That package adds a <style> element, which the page's
// Content-Security-Policy refuses; a constructed stylesheet is allowed. Same API and counting.
import { useEffect } from 'react';

export function stylesheetSingleton() {
  let counter = 0;
  let sheet = null;
  return {
    add(style) {
      if (counter === 0) {
        sheet = new CSSStyleSheet();
        sheet.replaceSync(style);
        document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
      }
      counter++;
    },
    remove() {
      counter--;
      if (!counter && sheet) {
        const gone = sheet;
        document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== gone);
        sheet = null;
      }
    },
  };
}

export function styleHookSingleton() {
  const sheet = stylesheetSingleton();
  return (styles, isDynamic) => {
    useEffect(() => {
      sheet.add(styles);
      return () => sheet.remove();
    }, [styles && isDynamic]);
  };
}

export function styleSingleton() {
  const useStyle = styleHookSingleton();
  return function Sheet({ styles, dynamic }) {
    useStyle(styles, dynamic);
    return null;
  };
}
