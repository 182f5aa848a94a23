// Dawn (npm `webgpu`) on this machine kind finds SwiftShader through Chromium's Vulkan ICD; on a GPU host
// the caller sets VK_DRIVER_FILES (or VK_ICD_FILENAMES) itself and we leave it alone.
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const swiftshaderIcd = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && !process.env.VK_DRIVER_FILES && existsSync(swiftshaderIcd)) {
  process.env.VK_ICD_FILENAMES = swiftshaderIcd;
}
if (!process.env.XDG_RUNTIME_DIR) {
  const dir = join(tmpdir(), 'pqweb-xdg');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  process.env.XDG_RUNTIME_DIR = dir;
}
