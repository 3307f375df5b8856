import { useI18n, type Lang } from './i18n';

export function LangSwitch({ lang, setLang }: { lang: Lang; setLang(l: Lang): void }) {
  const i = useI18n();
  return (
    <label class="lang">
      <span class="sr-only">{i.t('language')}</span>
      <select value={lang} onChange={(e) => setLang((e.target as HTMLSelectElement).value as Lang)}>
        <option value="nb" lang="nb">Norsk (bokmål)</option>
        <option value="en" lang="en">English</option>
      </select>
    </label>
  );
}
