// Small DOM helpers shared by every view.

/** The element with this id (or null). */
export const $ = (id) => document.getElementById(id);

/** A new element of `tag` with an optional class name and text content. */
export const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
};
