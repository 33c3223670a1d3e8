using System.ComponentModel;
using Kiln.Definitions;

namespace Kiln.Provisioners;

[Description("Pauses the build until Enter is pressed, to look at the machine. Skipped, with a warning, when nobody is at the terminal (CI).")]
internal sealed class BreakpointConfig : ProvisionerConfig
{
    [Description("Shown when the build pauses.")]
    public string? Note { get; init; }

    [Description("Keep the entry in the definition but do not pause.")]
    public bool Disable { get; init; }
}
