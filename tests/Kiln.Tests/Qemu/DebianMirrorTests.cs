using Kiln.Builders.Qemu;

namespace Kiln.Tests.Qemu;

/// <summary>Where a bootstrapped base comes from on a Debian host, and on one whose apt has no Debian mirror (an Ubuntu runner).</summary>
public sealed class DebianMirrorTests
{
    [Fact]
    public void A_host_without_a_Debian_mirror_bootstraps_from_Debians_public_mirror_with_Debians_keyring()
    {
        var (mirror, security) = DebianBootstrapper.ChooseMirrors(new DebianBootstrapConfig(), (null, null));

        Assert.Equal("http://deb.debian.org/debian", mirror);
        Assert.Equal("http://deb.debian.org/debian-security", security);
        Assert.Equal(["--keyring=/usr/share/keyrings/debian-archive-keyring.gpg"], DebianBootstrapper.KeyringArguments(null));
    }

    [Fact]
    public void A_Debian_host_uses_its_own_mirrors_and_apts_keys_and_the_definition_overrides_both()
    {
        var host = ("http://mirror.example/debian/", "http://security.example/debian-security");

        Assert.Equal(("http://mirror.example/debian", "http://security.example/debian-security"), DebianBootstrapper.ChooseMirrors(new DebianBootstrapConfig(), host));
        Assert.Empty(DebianBootstrapper.KeyringArguments(host.Item1));
        Assert.Equal(
            ("http://other.example/debian", "http://security.example/debian-security"),
            DebianBootstrapper.ChooseMirrors(new DebianBootstrapConfig { Mirror = "http://other.example/debian/" }, host));
    }
}
