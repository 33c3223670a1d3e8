using System.ComponentModel;

namespace Kiln.Builders.Qemu;

[Description("cloud-init NoCloud data of your own. Each value is the file's text: inline, or read with {{ file(\"...\") }}.")]
internal sealed class CloudInitConfig
{
    [Description("user-data: a #cloud-config document (merged with Kiln's: lists appended, mappings merged) or a script or other cloud-init part (sent beside Kiln's in a multipart message).")]
    public string? UserData { get; init; }

    [Description("meta-data: a YAML mapping merged into Kiln's; Kiln always sets a fresh instance-id.")]
    public string? MetaData { get; init; }

    [Description("network-config (version 1 or 2), passed as is. Without it cloud-init uses DHCP on the first interface.")]
    public string? NetworkConfig { get; init; }
}
