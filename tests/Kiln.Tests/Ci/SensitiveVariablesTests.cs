using Kiln.Components.Ci;

namespace Kiln.Tests.Ci;

/// <summary>Which secrets an image job, which does not publish, can go without.</summary>
public sealed class SensitiveVariablesTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kiln-sensitive-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Only_secrets_that_nothing_but_publish_chains_refer_to_are_publish_only()
    {
        File.WriteAllText(Path.Combine(_root, "web.kiln.yaml"), """
            name: web
            variables:
              release_token: { sensitive: true }
              db_password: { sensitive: true }
              shared: { sensitive: true }
              unused: { sensitive: true, default: "" }
              version: { default: "1" }
            locals:
              conn: "postgres://app:{{ var.db_password }}@db"
            sources:
              local: { type: qemu, base: { image: base.qcow2 }, ssh_password: "{{ var.shared }}" }
            publish:
              - github-release: { token: "{{ var.release_token }}", tag: "v{{ var.version }}", notes: "{{ var.shared }}" }
            """);

        Assert.Equal(["release_token"], SensitiveVariables.PublishOnly(_root));
        Assert.Equal(["release_token", "db_password", "shared", "unused"], SensitiveVariables.All(_root));
    }
}
