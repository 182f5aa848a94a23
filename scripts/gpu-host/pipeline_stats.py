#!/usr/bin/env python3
"""What a Vulkan driver makes of a compute shader: register count, code size and whatever else it reports.

Dawn (WebGPU) exposes no compiler statistics, but Vulkan drivers report them per pipeline through
VK_KHR_pipeline_executable_properties (NVIDIA: register count and binary size; Mesa's lavapipe and RADV: their own
counters). This creates a bare Vulkan device with that extension and every core feature the device has (as Dawn
enables what it uses, so the driver compiles the same code), builds one compute pipeline per SPIR-V binary given on
the command line, and prints one JSON object per line with the driver's statistics for it.

    python3 scripts/gpu-host/pipeline_stats.py [--internal] [--cache-dir DIR] module.spv ...

The SPIR-V comes from Dawn's `dump_shaders` toggle (bench/kernels.ts --spirv-dump, assembled with spirv-as): the
pipeline overrides are already substituted there. Descriptor bindings are read from the module itself. With
--internal, internal representations the driver offers as text are printed too (NIR on Mesa; NVIDIA offers none).
Uses only the Python standard library (ctypes) and the system's Vulkan loader (libvulkan.so.1).
"""

import argparse
import ctypes as C
import json
import os
import struct
import sys

VK_SUCCESS = 0
VK_INCOMPLETE = 5
API_VERSION_1_2 = (1 << 22) | (2 << 12)

ST_APPLICATION_INFO = 0
ST_INSTANCE_CREATE_INFO = 1
ST_DEVICE_QUEUE_CREATE_INFO = 2
ST_DEVICE_CREATE_INFO = 3
ST_SHADER_MODULE_CREATE_INFO = 16
ST_PIPELINE_SHADER_STAGE_CREATE_INFO = 18
ST_COMPUTE_PIPELINE_CREATE_INFO = 29
ST_PIPELINE_CACHE_CREATE_INFO = 17
ST_PIPELINE_LAYOUT_CREATE_INFO = 30
ST_DESCRIPTOR_SET_LAYOUT_CREATE_INFO = 32
ST_PHYSICAL_DEVICE_FEATURES_2 = 1000059000
ST_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES = 49
ST_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES = 51
ST_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES = 53
ST_PHYSICAL_DEVICE_PIPELINE_EXECUTABLE_PROPERTIES_FEATURES = 1000269000
ST_PIPELINE_INFO = 1000269001
ST_PIPELINE_EXECUTABLE_PROPERTIES = 1000269002
ST_PIPELINE_EXECUTABLE_INFO = 1000269003
ST_PIPELINE_EXECUTABLE_STATISTIC = 1000269004
ST_PIPELINE_EXECUTABLE_INTERNAL_REPRESENTATION = 1000269005

EXTENSION = b'VK_KHR_pipeline_executable_properties'
# Extensions Dawn enables where the driver has them and whose SPIR-V it then emits (MaximallyReconvergesKHR on every
# entry point, with the NVIDIA 580 driver): enabled here too, each with its one-VkBool32 feature struct, so the
# modules compile as they do under Dawn. Maximal reconvergence requires subgroup uniform control flow.
OPTIONAL_EXTENSIONS = ((b'VK_KHR_shader_subgroup_uniform_control_flow', 1000323000),
                       (b'VK_KHR_shader_maximal_reconvergence', 1000434000))
QUEUE_COMPUTE_BIT = 0x2
SHADER_STAGE_COMPUTE_BIT = 0x20
CAPTURE_STATISTICS_BIT = 0x40
CAPTURE_INTERNAL_REPRESENTATIONS_BIT = 0x80
DESCRIPTOR_TYPE_UNIFORM_BUFFER = 6
DESCRIPTOR_TYPE_STORAGE_BUFFER = 7
STATISTIC_FORMATS = ('bool32', 'int64', 'uint64', 'float64')


class VulkanError(Exception):
    """A Vulkan call failed, or the device lacks what this needs; the message says which."""


def feature_struct(s_type, count):
    """A Vulkan feature struct: sType, pNext, then `count` VkBool32 (every core feature struct has this shape)."""

    class Features(C.Structure):
        _fields_ = [('sType', C.c_uint32), ('pNext', C.c_void_p), ('flags', C.c_uint32 * count)]

    features = Features()
    features.sType = s_type
    return features


class PipelineCacheCreateInfo(C.Structure):
    _fields_ = [('sType', C.c_uint32), ('pNext', C.c_void_p), ('flags', C.c_uint32),
                ('initialDataSize', C.c_size_t), ('pInitialData', C.c_void_p)]


class ApplicationInfo(C.Structure):
    _fields_ = [('sType', C.c_uint32), ('pNext', C.c_void_p), ('pApplicationName', C.c_char_p),
                ('applicationVersion', C.c_uint32), ('pEngineName', C.c_char_p), ('engineVersion', C.c_uint32),
                ('apiVersion', C.c_uint32)]


class InstanceCreateInfo(C.Structure):
    _fields_ = [('sType', C.c_uint32), ('pNext', C.c_void_p), ('flags', C.c_uint32),
                ('pApplicationInfo', C.POINTER(ApplicationInfo)), ('enabledLayerCount', C.c_uint32),
                ('ppEnabledLayerNames', C.c_void_p), ('enabledExtensionCount', C.c_uint32),
                ('ppEnabledExtensionNames', C.c_void_p)]


class QueueFamilyProperties(C.Structure):
    _fields_ = [('queueFlags', C.c_uint32), ('queueCount', C.c_uint32), ('timestampValidBits', C.c_uint32),
                ('granularity', C.c_uint32 * 3)]


class ExtensionProperties(C.Structure):
    _fields_ = [('extensionName', C.c_char * 256), ('specVersion', C.c_uint32)]


class DeviceQueueCreateInfo(C.Structure):
    _fields_ = [('sType', C.c_uint32), ('pNext', C.c_void_p), ('flags', C.c_uint32),
                ('queueFamilyIndex', C.c_uint32), ('queueCount', C.c_uint32),
                ('pQueuePriorities', C.POINTER(C.c_float))]


class DeviceCreateInfo(C.Structure):
    _fields_ = [('sType', C.c_uint32), ('pNext', C.c_void_p), ('flags', C.c_uint32),
                ('queueCreateInfoCount', C.c_uint32), ('pQueueCreateInfos', C.POINTER(DeviceQueueCreateInfo)),
                ('enabledLayerCount', C.c_uint32), ('ppEnabledLayerNames', C.c_void_p),
                ('enabledExtensionCount', C.c_uint32), ('ppEnabledExtensionNames', C.POINTER(C.c_char_p)),
                ('pEnabledFeatures', C.c_void_p)]


class ShaderModuleCreateInfo(C.Structure):
    _fields_ = [('sType', C.c_uint32), ('pNext', C.c_void_p), ('flags', C.c_uint32), ('codeSize', C.c_size_t),
                ('pCode', C.c_void_p)]


class DescriptorSetLayoutBinding(C.Structure):
    _fields_ = [('binding', C.c_uint32), ('descriptorType', C.c_uint32), ('descriptorCount', C.c_uint32),
                ('stageFlags', C.c_uint32), ('pImmutableSamplers', C.c_void_p)]


class DescriptorSetLayoutCreateInfo(C.Structure):
    _fields_ = [('sType', C.c_uint32), ('pNext', C.c_void_p), ('flags', C.c_uint32), ('bindingCount', C.c_uint32),
                ('pBindings', C.POINTER(DescriptorSetLayoutBinding))]


class PipelineLayoutCreateInfo(C.Structure):
    _fields_ = [('sType', C.c_uint32), ('pNext', C.c_void_p), ('flags', C.c_uint32),
                ('setLayoutCount', C.c_uint32), ('pSetLayouts', C.POINTER(C.c_uint64)),
                ('pushConstantRangeCount', C.c_uint32), ('pPushConstantRanges', C.c_void_p)]


class PipelineShaderStageCreateInfo(C.Structure):
    _fields_ = [('sType', C.c_uint32), ('pNext', C.c_void_p), ('flags', C.c_uint32), ('stage', C.c_uint32),
                ('module', C.c_uint64), ('pName', C.c_char_p), ('pSpecializationInfo', C.c_void_p)]


class ComputePipelineCreateInfo(C.Structure):
    _fields_ = [('sType', C.c_uint32), ('pNext', C.c_void_p), ('flags', C.c_uint32),
                ('stage', PipelineShaderStageCreateInfo), ('layout', C.c_uint64), ('basePipelineHandle', C.c_uint64),
                ('basePipelineIndex', C.c_int32)]


class PipelineInfo(C.Structure):
    _fields_ = [('sType', C.c_uint32), ('pNext', C.c_void_p), ('pipeline', C.c_uint64)]


class PipelineExecutableProperties(C.Structure):
    _fields_ = [('sType', C.c_uint32), ('pNext', C.c_void_p), ('stages', C.c_uint32), ('name', C.c_char * 256),
                ('description', C.c_char * 256), ('subgroupSize', C.c_uint32)]


class PipelineExecutableInfo(C.Structure):
    _fields_ = [('sType', C.c_uint32), ('pNext', C.c_void_p), ('pipeline', C.c_uint64),
                ('executableIndex', C.c_uint32)]


class StatisticValue(C.Union):
    _fields_ = [('b32', C.c_uint32), ('i64', C.c_int64), ('u64', C.c_uint64), ('f64', C.c_double)]


class PipelineExecutableStatistic(C.Structure):
    _fields_ = [('sType', C.c_uint32), ('pNext', C.c_void_p), ('name', C.c_char * 256),
                ('description', C.c_char * 256), ('format', C.c_uint32), ('value', StatisticValue)]


class PipelineExecutableInternalRepresentation(C.Structure):
    _fields_ = [('sType', C.c_uint32), ('pNext', C.c_void_p), ('name', C.c_char * 256),
                ('description', C.c_char * 256), ('isText', C.c_uint32), ('dataSize', C.c_size_t),
                ('pData', C.c_void_p)]


def check(result, what):
    if result not in (VK_SUCCESS, VK_INCOMPLETE):
        raise VulkanError(f'{what} failed with VkResult {result}')


def spirv_bindings(words):
    """(binding, descriptor type) of every descriptor-set-0 buffer the module declares, read from its decorations."""
    if len(words) < 5 or words[0] != 0x07230203:
        raise VulkanError('not a SPIR-V binary (bad magic number)')
    op_decorate, op_variable, op_type_pointer = 71, 59, 32
    decoration_binding, decoration_set = 33, 34
    storage_uniform, storage_storage_buffer = 2, 12
    bindings, sets, pointer_storage, variables = {}, {}, {}, {}
    index = 5
    while index < len(words):
        count, opcode = words[index] >> 16, words[index] & 0xFFFF
        if count == 0:
            raise VulkanError('malformed SPIR-V: an instruction of length 0')
        operands = words[index + 1:index + count]
        if opcode == op_decorate and len(operands) >= 3 and operands[1] == decoration_binding:
            bindings[operands[0]] = operands[2]
        elif opcode == op_decorate and len(operands) >= 3 and operands[1] == decoration_set:
            sets[operands[0]] = operands[2]
        elif opcode == op_type_pointer:
            pointer_storage[operands[0]] = operands[1]
        elif opcode == op_variable:
            variables[operands[1]] = operands[2]
        index += count
    found = {}
    for variable, binding in bindings.items():
        if sets.get(variable, 0) != 0:
            continue
        storage = variables.get(variable)
        if storage == storage_uniform:
            found[binding] = DESCRIPTOR_TYPE_UNIFORM_BUFFER
        elif storage == storage_storage_buffer:
            found[binding] = DESCRIPTOR_TYPE_STORAGE_BUFFER
    return sorted(found.items())


def spirv_entry_point(words):
    """The name of the module's first entry point (OpEntryPoint, opcode 15)."""
    index = 5
    while index < len(words):
        count, opcode = words[index] >> 16, words[index] & 0xFFFF
        if opcode == 15:
            raw = struct.pack(f'<{count - 3}I', *words[index + 3:index + count])
            return raw.split(b'\0', 1)[0]
        index += count
    raise VulkanError('the module has no entry point')


class Driver:
    """A Vulkan instance and device that can capture pipeline statistics."""

    def __init__(self):
        try:
            self.vk = C.CDLL('libvulkan.so.1')
        except OSError as error:
            raise VulkanError(f'no Vulkan loader (libvulkan.so.1): {error}') from error
        vk = self.vk
        vk.vkGetDeviceProcAddr.restype = C.c_void_p
        vk.vkGetDeviceProcAddr.argtypes = [C.c_void_p, C.c_char_p]
        self.application = ApplicationInfo(ST_APPLICATION_INFO, None, b'pqweb pipeline_stats', 1, b'pqweb', 1,
                                            API_VERSION_1_2)
        info = InstanceCreateInfo(ST_INSTANCE_CREATE_INFO, None, 0, C.pointer(self.application), 0, None, 0, None)
        self.instance = C.c_void_p()
        check(vk.vkCreateInstance(C.byref(info), None, C.byref(self.instance)), 'vkCreateInstance')
        count = C.c_uint32()
        check(vk.vkEnumeratePhysicalDevices(self.instance, C.byref(count), None), 'vkEnumeratePhysicalDevices')
        devices = (C.c_void_p * count.value)()
        check(vk.vkEnumeratePhysicalDevices(self.instance, C.byref(count), devices), 'vkEnumeratePhysicalDevices')
        chosen = [device for device in devices if self._has_extension(device)]
        if not chosen:
            raise VulkanError(f'no Vulkan device offers {EXTENSION.decode()}')
        self.physical = C.c_void_p(chosen[0])
        properties = (C.c_uint8 * 4096)()
        vk.vkGetPhysicalDeviceProperties(self.physical, properties)
        self.api_version = struct.unpack_from('<I', properties, 0)[0]
        self.device_name = bytes(properties[20:276]).split(b'\0', 1)[0].decode()
        self._create_device()

    def _has_extension(self, physical, name=EXTENSION):
        return name in self._extensions(physical)

    def _extensions(self, physical):
        count = C.c_uint32()
        check(self.vk.vkEnumerateDeviceExtensionProperties(C.c_void_p(physical), None, C.byref(count), None),
              'vkEnumerateDeviceExtensionProperties')
        extensions = (ExtensionProperties * count.value)()
        check(self.vk.vkEnumerateDeviceExtensionProperties(C.c_void_p(physical), None, C.byref(count), extensions),
              'vkEnumerateDeviceExtensionProperties')
        return {extension.extensionName for extension in extensions}

    def _create_device(self):
        vk = self.vk
        # Every core feature the device has, so that the driver compiles as it would for Dawn, plus the
        # extension's own feature. VkPhysicalDeviceFeatures has 55 VkBool32; the 1.1 / 1.2 / 1.3 structs 12, 47, 15.
        chain = [feature_struct(ST_PHYSICAL_DEVICE_FEATURES_2, 55),
                 feature_struct(ST_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES, 12),
                 feature_struct(ST_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES, 47)]
        if self.api_version >= ((1 << 22) | (3 << 12)):
            chain.append(feature_struct(ST_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES, 15))
        executable = feature_struct(ST_PHYSICAL_DEVICE_PIPELINE_EXECUTABLE_PROPERTIES_FEATURES, 1)
        chain.append(executable)
        offered = self._extensions(self.physical.value)
        enabled = [EXTENSION]
        for name, s_type in OPTIONAL_EXTENSIONS:
            if name in offered:
                enabled.append(name)
                chain.append(feature_struct(s_type, 1))
        self.enabled_extensions = [name.decode() for name in enabled]
        for first, second in zip(chain, chain[1:]):
            first.pNext = C.cast(C.pointer(second), C.c_void_p)
        self.features = chain
        vk.vkGetPhysicalDeviceFeatures2(self.physical, C.byref(chain[0]))
        if not executable.flags[0]:
            raise VulkanError(f'{self.device_name} has the extension but not its pipelineExecutableInfo feature')
        count = C.c_uint32()
        vk.vkGetPhysicalDeviceQueueFamilyProperties(self.physical, C.byref(count), None)
        families = (QueueFamilyProperties * count.value)()
        vk.vkGetPhysicalDeviceQueueFamilyProperties(self.physical, C.byref(count), families)
        family = next((i for i, f in enumerate(families) if f.queueFlags & QUEUE_COMPUTE_BIT), None)
        if family is None:
            raise VulkanError(f'{self.device_name} has no compute queue')
        priority = C.c_float(1.0)
        queue = DeviceQueueCreateInfo(ST_DEVICE_QUEUE_CREATE_INFO, None, 0, family, 1, C.pointer(priority))
        extensions = (C.c_char_p * len(enabled))(*enabled)
        info = DeviceCreateInfo(ST_DEVICE_CREATE_INFO, C.cast(C.pointer(chain[0]), C.c_void_p), 0, 1,
                                C.pointer(queue), 0, None, len(enabled), extensions, None)
        self.device = C.c_void_p()
        check(vk.vkCreateDevice(self.physical, C.byref(info), None, C.byref(self.device)), 'vkCreateDevice')

        def device_function(name, *argtypes):
            address = vk.vkGetDeviceProcAddr(self.device, name)
            if not address:
                raise VulkanError(f'{self.device_name}: no {name.decode()}')
            return C.CFUNCTYPE(C.c_int32, *argtypes)(address)

        self.get_properties = device_function(b'vkGetPipelineExecutablePropertiesKHR', C.c_void_p, C.c_void_p,
                                              C.POINTER(C.c_uint32), C.c_void_p)
        self.get_statistics = device_function(b'vkGetPipelineExecutableStatisticsKHR', C.c_void_p, C.c_void_p,
                                              C.POINTER(C.c_uint32), C.c_void_p)
        self.get_representations = device_function(b'vkGetPipelineExecutableInternalRepresentationsKHR',
                                                   C.c_void_p, C.c_void_p, C.POINTER(C.c_uint32), C.c_void_p)

    def statistics(self, code, internal=False, cache_path=None):
        """The driver's executables for one compute module: name, subgroup size, statistics (and text IR)."""
        vk = self.vk
        words = struct.unpack(f'<{len(code) // 4}I', code[:len(code) // 4 * 4])
        entry = spirv_entry_point(words)
        bindings = spirv_bindings(words)
        buffer = C.create_string_buffer(code, len(code))
        module = C.c_uint64()
        module_info = ShaderModuleCreateInfo(ST_SHADER_MODULE_CREATE_INFO, None, 0, len(code),
                                             C.cast(buffer, C.c_void_p))
        check(vk.vkCreateShaderModule(self.device, C.byref(module_info), None, C.byref(module)),
              'vkCreateShaderModule')
        layout_bindings = (DescriptorSetLayoutBinding * max(1, len(bindings)))(
            *[DescriptorSetLayoutBinding(binding, kind, 1, SHADER_STAGE_COMPUTE_BIT, None)
              for binding, kind in bindings])
        set_layout = C.c_uint64()
        set_info = DescriptorSetLayoutCreateInfo(ST_DESCRIPTOR_SET_LAYOUT_CREATE_INFO, None, 0, len(bindings),
                                                 layout_bindings)
        check(vk.vkCreateDescriptorSetLayout(self.device, C.byref(set_info), None, C.byref(set_layout)),
              'vkCreateDescriptorSetLayout')
        pipeline_layout = C.c_uint64()
        layout_info = PipelineLayoutCreateInfo(ST_PIPELINE_LAYOUT_CREATE_INFO, None, 0, 1, C.pointer(set_layout), 0,
                                               None)
        check(vk.vkCreatePipelineLayout(self.device, C.byref(layout_info), None, C.byref(pipeline_layout)),
              'vkCreatePipelineLayout')
        flags = CAPTURE_STATISTICS_BIT | (CAPTURE_INTERNAL_REPRESENTATIONS_BIT if internal else 0)
        stage = PipelineShaderStageCreateInfo(ST_PIPELINE_SHADER_STAGE_CREATE_INFO, None, 0,
                                              SHADER_STAGE_COMPUTE_BIT, module.value, entry, None)
        pipeline_info = ComputePipelineCreateInfo(ST_COMPUTE_PIPELINE_CREATE_INFO, None, flags, stage,
                                                  pipeline_layout.value, 0, -1)
        pipeline = C.c_uint64()
        cache = C.c_uint64(0)
        if cache_path:
            cache_info = PipelineCacheCreateInfo(ST_PIPELINE_CACHE_CREATE_INFO, None, 0, 0, None)
            check(vk.vkCreatePipelineCache(self.device, C.byref(cache_info), None, C.byref(cache)),
                  'vkCreatePipelineCache')
        check(vk.vkCreateComputePipelines(self.device, cache, 1, C.byref(pipeline_info), None,
                                          C.byref(pipeline)), f'vkCreateComputePipelines ({entry.decode()})')
        if cache_path:
            # The driver's compiled code travels in its pipeline cache blob; scripts/gpu-host/sass.py finds the
            # machine code in it and disassembles it where the CUDA toolkit's nvdisasm is installed.
            size = C.c_size_t()
            check(vk.vkGetPipelineCacheData(self.device, cache, C.byref(size), None), 'vkGetPipelineCacheData')
            blob = C.create_string_buffer(size.value)
            check(vk.vkGetPipelineCacheData(self.device, cache, C.byref(size), blob), 'vkGetPipelineCacheData')
            with open(cache_path, 'wb') as target:
                target.write(blob.raw[:size.value])
            vk.vkDestroyPipelineCache(self.device, cache, None)
        try:
            return {'entryPoint': entry.decode(), 'bindings': len(bindings),
                    'executables': self._executables(pipeline.value, internal)}
        finally:
            vk.vkDestroyPipeline(self.device, C.c_uint64(pipeline.value), None)
            vk.vkDestroyPipelineLayout(self.device, C.c_uint64(pipeline_layout.value), None)
            vk.vkDestroyDescriptorSetLayout(self.device, C.c_uint64(set_layout.value), None)
            vk.vkDestroyShaderModule(self.device, C.c_uint64(module.value), None)

    def _query(self, function, info, item_type, s_type, what):
        """The two-call pattern of Vulkan's queries: ask for the count, then fill that many `item_type`."""
        count = C.c_uint32()
        check(function(self.device, C.byref(info), C.byref(count), None), what)
        items = (item_type * count.value)()
        for item in items:
            item.sType = s_type
        check(function(self.device, C.byref(info), C.byref(count), items), what)
        return items, count.value

    def _executables(self, pipeline, internal):
        info = PipelineInfo(ST_PIPELINE_INFO, None, pipeline)
        properties, count = self._query(self.get_properties, info, PipelineExecutableProperties,
                                        ST_PIPELINE_EXECUTABLE_PROPERTIES, 'vkGetPipelineExecutablePropertiesKHR')
        executables = []
        for index, item in enumerate(properties[:count]):
            executable = PipelineExecutableInfo(ST_PIPELINE_EXECUTABLE_INFO, None, pipeline, index)
            record = {'name': item.name.decode(errors='replace'), 'subgroupSize': item.subgroupSize,
                      'statistics': self._statistics(executable)}
            if internal:
                record['internal'] = self._representations(executable)
            executables.append(record)
        return executables

    def _statistics(self, executable):
        statistics, count = self._query(self.get_statistics, executable, PipelineExecutableStatistic,
                                        ST_PIPELINE_EXECUTABLE_STATISTIC, 'vkGetPipelineExecutableStatisticsKHR')
        found = {}
        for item in statistics[:count]:
            value = (bool(item.value.b32), item.value.i64, item.value.u64, item.value.f64)[item.format] \
                if item.format < len(STATISTIC_FORMATS) else None
            found[item.name.decode(errors='replace')] = value
        return found

    def _representations(self, executable):
        what = 'vkGetPipelineExecutableInternalRepresentationsKHR'
        items, count = self._query(self.get_representations, executable, PipelineExecutableInternalRepresentation,
                                   ST_PIPELINE_EXECUTABLE_INTERNAL_REPRESENTATION, what)
        # A third call with room for each representation's data (the second filled in the sizes).
        buffers = []
        for item in items[:count]:
            data = C.create_string_buffer(item.dataSize)
            buffers.append(data)
            item.pData = C.cast(data, C.c_void_p)
        check(self.get_representations(self.device, C.byref(executable), C.byref(C.c_uint32(count)), items), what)
        return {item.name.decode(errors='replace'): data.raw[:item.dataSize].split(b'\0', 1)[0].decode(
            errors='replace') for item, data in zip(items[:count], buffers) if item.isText}


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('modules', nargs='+', metavar='module.spv')
    parser.add_argument('--internal', action='store_true', help='also the text representations the driver offers')
    parser.add_argument('--cache-dir', help="keep each pipeline's cache blob here (scripts/gpu-host/sass.py reads it)")
    args = parser.parse_args(argv)
    if args.cache_dir:
        os.makedirs(args.cache_dir, exist_ok=True)
    try:
        driver = Driver()
    except VulkanError as error:
        print(f'error: {error}', file=sys.stderr)
        return 1
    status = 0
    for path in args.modules:
        cache = args.cache_dir and os.path.join(args.cache_dir, os.path.basename(path) + '.cache')
        try:
            with open(path, 'rb') as source:
                code = source.read()
            record = {'file': path, 'device': driver.device_name, 'extensions': driver.enabled_extensions,
                      **driver.statistics(code, args.internal, cache)}
        except (OSError, VulkanError) as error:
            record = {'file': path, 'device': driver.device_name, 'error': str(error)}
            status = 1
        print(json.dumps(record), flush=True)
    return status


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
