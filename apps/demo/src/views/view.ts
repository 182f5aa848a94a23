/** A page of the app: its element, and hooks for when the router shows or hides it. */
export interface View {
  element: HTMLElement;
  onShow(): void;
  onHide(): void;
}
