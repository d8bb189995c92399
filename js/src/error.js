// Error content: what the template tag's {% error %} gives a fragment to show when it fails.
// It travels inert inside the placeholder, as <template data-ck-error>, and stays there after
// it is shown, so a retry that fails again shows it again. Without it the fallback stays.

/**
 * Shows the error content found among nodes (the placeholder's fallback), if any.
 * @param {HTMLElement} host
 * @param {Node[]} nodes
 */
export const showError = (host, nodes) => {
  const template = nodes.find((node) => node instanceof HTMLTemplateElement && node.hasAttribute('data-ck-error'));
  if (template) host.replaceChildren(/** @type {HTMLTemplateElement} */ (template).content.cloneNode(true), template);
};
