using System.ComponentModel;
using Kiln.Communicators;
using Kiln.Definitions;

namespace Kiln.Publishers;

[Description("Runs a command on the build host once per input artifact and passes the artifacts on unchanged. It sees what the shell-local provisioner's command sees (KILN_BUILD_NAME, KILN_IMAGE, KILN_SOURCE, KILN_SOURCE_TYPE, KILN_RUN_ID, KILN_OUTPUT (absolute), PACKER_BUILD_NAME, PACKER_BUILDER_TYPE) and the artifact: KILN_ARTIFACT_ID, KILN_ARTIFACT_BUILDER_TYPE, KILN_ARTIFACT_FILES (absolute paths, one per line) and KILN_ARTIFACT_OUTPUT_ and the key in capitals for each artifact output (box-path: KILN_ARTIFACT_OUTPUT_BOX_PATH). The same keys as the shell-local provisioner.")]
internal sealed class ShellLocalConfig : PublisherConfig, IValidatableConfig, ILocalPaths
{
    /// <summary>The keys shared with the shell-local provisioner; in YAML they stand in this entry itself.</summary>
    [InlineKeys]
    public ShellLocalOptions Options { get; init; } = new();

    [Description("Stop the command (and everything it started) after this long.")]
    public TimeSpan? Timeout { get; init; }

    public IEnumerable<LocalPath> LocalPaths() => Options.LocalPaths();

    public IEnumerable<ConfigProblem> Validate() => Options.Validate();
}
