using System.ComponentModel;
using Kiln.Communicators;
using Kiln.Definitions;

namespace Kiln.Provisioners;

[Description("Runs a command on the build host (not on the machine), with the build's values in its environment: KILN_BUILD_NAME, KILN_IMAGE, KILN_SOURCE, KILN_SOURCE_TYPE, KILN_RUN_ID, KILN_OUTPUT (absolute), PACKER_BUILD_NAME, PACKER_BUILDER_TYPE and, when the machine is reachable over SSH, KILN_SSH_HOST, KILN_SSH_PORT, KILN_SSH_USER and KILN_SSH_PRIVATE_KEY_FILE. The same keys as the shell-local publisher.")]
internal sealed class ShellLocalConfig : ProvisionerConfig, IValidatableConfig, ILocalPaths
{
    /// <summary>The keys shared with the shell-local publisher; in YAML they stand in this entry itself.</summary>
    [InlineKeys]
    public ShellLocalOptions Options { get; init; } = new();

    public IEnumerable<LocalPath> LocalPaths() => Options.LocalPaths();

    public IEnumerable<ConfigProblem> Validate() => Options.Validate();
}
