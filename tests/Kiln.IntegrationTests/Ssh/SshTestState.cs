using Kiln.Communicators;
using Kiln.Definitions;
using Kiln.Engine;

namespace Kiln.IntegrationTests.Ssh;

internal sealed class SshTestSourceConfig : SourceConfig;

/// <summary>What a builder's state looks like to the SSH steps.</summary>
internal sealed class SshTestState(BuildContext context) : BuildState(context), ISshTarget, IBuildKeyHolder
{
    public SshEndpoint? SshEndpoint { get; set; }

    public SshKeyPair? BuildKey { get; set; }

    public string? BuildKeyRemovedBy { get; set; }
}
