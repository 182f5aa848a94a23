/**
 * The live camera: getUserMedia (rear camera preferred) into a <video>, a capture button that grabs the
 * current frame. The stream is stopped when the panel closes or the page is hidden, so the camera light goes off.
 */
import { h } from '../ui/dom';

export class CameraError extends Error {
  override name = 'CameraError';
}

export interface CameraPanel {
  element: HTMLElement;
  open(): Promise<void>;
  close(): void;
}

/** Asking for about this much lets phones pick a fast mode; the pipeline shrinks frames to 384 px anyway. */
const IDEAL_SIDE = 720;

export function cameraPanel(
  onCapture: (video: HTMLVideoElement) => void,
  onError: (message: string) => void,
): CameraPanel {
  const video = h('video', { class: 'camera-video', attrs: { playsinline: '', muted: '', autoplay: '' } });
  video.muted = true;
  let stream: MediaStream | null = null;
  const close = () => {
    for (const track of stream?.getTracks() ?? []) track.stop();
    stream = null;
    video.srcObject = null;
    element.hidden = true;
  };
  const captureButton = h('button', {
    class: 'button primary',
    testid: 'camera-capture',
    text: 'Capture',
    on: { click: () => onCapture(video) },
  });
  const element = h(
    'div',
    { class: 'camera', testid: 'camera' },
    h(
      'div',
      { class: 'camera-frame' },
      video,
      h('div', { class: 'camera-guide', attrs: { 'aria-hidden': 'true' } }),
    ),
    h('p', { class: 'hint', text: 'Lay the garment flat on a plain, light background and fill the square.' }),
    h(
      'div',
      { class: 'row' },
      captureButton,
      h('button', { class: 'button', text: 'Close camera', on: { click: close } }),
    ),
  );
  element.hidden = true;
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) close();
  });
  return {
    element,
    close,
    async open() {
      if (!navigator.mediaDevices?.getUserMedia) {
        onError(
          'This browser gives no camera access here (it needs HTTPS or localhost). Take a photo instead.',
        );
        return;
      }
      try {
        stream = await navigator.mediaDevices.getUserMedia({
          video: {
            facingMode: { ideal: 'environment' },
            width: { ideal: IDEAL_SIDE },
            height: { ideal: IDEAL_SIDE },
          },
          audio: false,
        });
      } catch (error) {
        const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        onError(`The camera could not be opened (${reason}). Take a photo or pick a file instead.`);
        return;
      }
      video.srcObject = stream;
      element.hidden = false;
      await video.play().catch(() => undefined);
    },
  };
}
