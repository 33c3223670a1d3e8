namespace Kiln.Builders.Qemu;

/// <summary>What <c>./build.sh BuildImages</c> builds when a repository has no templates: a Debian image made from nothing but the host's mirror.</summary>
internal static class QemuDefaults
{
    public const string DefaultDefinitionYaml = """
        name: debian
        description: Debian 12 disk image bootstrapped by Kiln (no cloud account needed)
        sources:
          local:
            type: qemu
            base: { bootstrap: { suite: bookworm } }

        """;
}
