using System.ComponentModel;
using Kiln.Definitions;

namespace Kiln.Builders.Qemu.Install;

[Description("A kernel and initrd QEMU boots directly (-kernel/-initrd/-append), for installers that take their answer file's URL on the command line.")]
internal sealed class QemuKernelBootConfig
{
    [Description("Path of the kernel, e.g. /usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64/linux.")]
    public required string Kernel { get; init; }

    [Description("Path of the initrd.")]
    public string? Initrd { get; init; }

    [Description("Kernel command line; {{ http.ip }} and {{ http.port }} name the build's HTTP server, e.g. \"auto=true priority=critical url=http://{{ http.ip }}:{{ http.port }}/preseed.cfg\".")]
    public string Append { get; init; } = "";

    internal IEnumerable<ConfigProblem> Validate()
    {
        if (string.IsNullOrWhiteSpace(Kernel))
        {
            yield return new ConfigProblem("kernel", "kernel must not be empty");
        }

        if (Initrd is { Length: 0 })
        {
            yield return new ConfigProblem("initrd", "initrd must not be empty; remove the key for no initrd");
        }
    }
}
