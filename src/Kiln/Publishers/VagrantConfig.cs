using System.ComponentModel;
using Kiln.Definitions;

namespace Kiln.Publishers;

[Description("Packs a Vagrant box (.box, gzip-compressed tar): libvirt from a qcow2 disk, virtualbox from an OVA, vmware_desktop from a vmx.")]
internal sealed class VagrantConfig : PublisherConfig, IValidatableConfig, ILocalPaths
{
    [Description("libvirt, virtualbox or vmware_desktop. Default: from the input: a qcow2 disk gives libvirt, an OVA gives virtualbox, a .vmx gives vmware_desktop.")]
    public VagrantProvider? Provider { get; init; }

    [Description("Path of the box. Default: `<output directory>/<image>.<source>.<provider>.box`.")]
    public string? Output { get; init; }

    [Description("gzip level of the box, 0 (none) to 9.")]
    public int CompressionLevel { get; init; } = 6;

    [Description("A file whose content becomes the box's Vagrantfile instead of the generated one.")]
    public string? VagrantfileTemplate { get; init; }

    [Description("Extra files to put at the root of the box.")]
    public IReadOnlyList<string> Include { get; init; } = [];

    public IEnumerable<LocalPath> LocalPaths() =>
        VagrantfileTemplate is null
            ? LocalPath.Each("include", Include)
            : [new LocalPath("vagrantfile_template", VagrantfileTemplate), .. LocalPath.Each("include", Include)];

    public IEnumerable<ConfigProblem> Validate()
    {
        if (CompressionLevel is < 0 or > 9)
        {
            yield return new ConfigProblem("compression_level", $"gzip levels go from 0 to 9, not {CompressionLevel}", "for example `compression_level: 6`");
        }
    }
}
