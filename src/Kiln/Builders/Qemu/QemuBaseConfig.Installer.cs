using System.ComponentModel;
using Kiln.Builders.Qemu.Install;
using Kiln.Definitions;

namespace Kiln.Builders.Qemu;

internal sealed partial class QemuBaseConfig
{
    [Description("An installer ISO, attached as a CD: the build starts from an empty disk of disk_size and boots the ISO (type its boot_command), like Packer's iso_url.")]
    public QemuIsoConfig? Iso { get; init; }

    [Description("An installer kernel booted directly (no keystrokes): the build starts from an empty disk of disk_size. With iso, the ISO is attached as a CD as well.")]
    public QemuKernelBootConfig? Boot { get; init; }

    /// <summary>The build installs an operating system onto an empty disk instead of starting from a base image.</summary>
    public bool IsInstaller => Iso is not null || Boot is not null;

    private IEnumerable<ConfigProblem> ValidateInstaller()
    {
        foreach (var problem in Iso?.Validate() ?? [])
        {
            yield return problem with { PropertyPath = "iso." + problem.PropertyPath };
        }

        foreach (var problem in Boot?.Validate() ?? [])
        {
            yield return problem with { PropertyPath = "boot." + problem.PropertyPath };
        }
    }
}
