using Kiln.Docker;

namespace Kiln.Tests.Docker;

public sealed class ImageReferenceTests
{
    [Theory]
    [InlineData("debian", "debian", null, null, null)]
    [InlineData("debian:bookworm", "debian", "bookworm", null, null)]
    [InlineData("127.0.0.1:5000/team/app", "127.0.0.1:5000/team/app", null, null, "127.0.0.1:5000")]
    [InlineData("127.0.0.1:5000/team/app:1.0", "127.0.0.1:5000/team/app", "1.0", null, "127.0.0.1:5000")]
    [InlineData("localhost/app:latest", "localhost/app", "latest", null, "localhost")]
    [InlineData("library/debian", "library/debian", null, null, null)]
    [InlineData("ghcr.io/o/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "ghcr.io/o/app", null, "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "ghcr.io")]
    public void References_split_into_repository_tag_digest_and_registry(string text, string repository, string? tag, string? digest, string? registry)
    {
        var reference = ImageReference.Parse(text);

        Assert.Equal(repository, reference.Repository);
        Assert.Equal(tag, reference.Tag);
        Assert.Equal(digest, reference.Digest);
        Assert.Equal(registry, reference.Registry);
        Assert.Equal(text, reference.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("Debian:12")]
    [InlineData("app:")]
    [InlineData("app:bad tag")]
    [InlineData(" app")]
    [InlineData("app@sha256:xyz")]
    [InlineData("team//app")]
    public void Malformed_references_are_rejected(string text) => Assert.False(ImageReference.TryParse(text, out _));
}
