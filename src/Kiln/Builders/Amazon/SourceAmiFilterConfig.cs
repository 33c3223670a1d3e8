using System.ComponentModel;

namespace Kiln.Builders.Amazon;

[Description("Selects the source AMI with DescribeImages filters.")]
internal sealed class SourceAmiFilterConfig
{
    [Description("EC2 image filters, for example name: \"debian-12-amd64-*\", architecture: x86_64.")]
    public IReadOnlyDictionary<string, string> Filters { get; init; } = new Dictionary<string, string>();

    [Description("Account ids or aliases (self, amazon) that own the AMI. Strongly advised: without it anyone's AMI can match.")]
    public IReadOnlyList<string> Owners { get; init; } = [];

    [Description("Take the newest match when several match, instead of failing.")]
    public bool MostRecent { get; init; }
}
