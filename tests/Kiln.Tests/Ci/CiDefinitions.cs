namespace Kiln.Tests.Ci;

/// <summary>A temporary templates folder: a base image, an image built on it (with a secret), and an independent one.</summary>
internal sealed class CiDefinitions : IDisposable
{
    public string Root { get; } = System.IO.Directory.CreateTempSubdirectory("kiln-ci-").FullName;

    public string Directory => Path.Combine(Root, "templates");

    public CiDefinitions()
    {
        System.IO.Directory.CreateDirectory(Directory);
        Write("base", """
            name: base
            sources:
              local: { type: qemu, base: { bootstrap: { suite: bookworm } } }
            """);
        Write("web", """
            name: web
            depends_on: [base]
            variables:
              db_password: { sensitive: true }
              api_token: { sensitive: true, default: "" }
            sources:
              local: { type: qemu, base: { image: "{{ image.base.artifact.qcow2 }}" } }
              second: { type: qemu, base: { image: "{{ image.base.artifact.qcow2 }}" } }
            """);
        Write("tools", """
            name: tools
            sources:
              local: { type: qemu, base: { bootstrap: { suite: bookworm } } }
            """);
    }

    private void Write(string name, string yaml) => File.WriteAllText(Path.Combine(Directory, name + ".kiln.yaml"), yaml + "\n");

    public void Dispose() => System.IO.Directory.Delete(Root, recursive: true);
}
