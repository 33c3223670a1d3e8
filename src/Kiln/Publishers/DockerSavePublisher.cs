using System.ComponentModel;
using System.Security.Cryptography;
using Docker.DotNet;
using Kiln.Definitions;
using Kiln.Docker;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Publishers;

[Description("Writes the built image, with its tags, to a tar file that docker load reads.")]
internal sealed class DockerSaveConfig : PublisherConfig
{
    [Description("Where to write the tar. Defaults to <output>/<image>.<source>.tar; relative paths are relative to the definition file.")]
    public string? Path { get; init; }
}

internal sealed class DockerSavePublisher : Publisher<DockerSaveConfig>
{
    public override string Type => "docker-save";

    protected override async Task<IReadOnlyList<Artifact>> PublishAsync(
        DockerSaveConfig config, BuildState state, IReadOnlyList<Artifact> inputs, CancellationToken cancellationToken)
    {
        var results = new List<Artifact>();
        foreach (var image in DockerPublishing.DockerInputs(inputs, Type))
        {
            var path = DockerPublishing.OutputPath(state, config.Path, $"{state.Context.BuildName}.tar");
            using var engine = DockerPublishing.Engine(state, image);
            var tags = DockerPublishing.Tags(image);
            var imageId = image.CustomData["image_id"];
            var (size, sha256) = await SaveAsync(engine.Client, state, tags.Count > 0 ? [.. tags] : [imageId], path, cancellationToken);
            state.Context.Log.Info($"saved {string.Join(", ", tags.DefaultIfEmpty(imageId))} to {path}");
            results.Add(new Artifact
            {
                BuilderType = "docker",
                Id = path,
                Files = [new ArtifactFile(path, size, sha256)],
                Outputs = new Dictionary<string, string> { ["path"] = path, ["image_id"] = imageId },
                CustomData = new Dictionary<string, string>
                {
                    ["image_id"] = imageId,
                    ["tags"] = string.Join(",", tags),
                    ["sha256"] = sha256,
                    ["docker_host"] = image.CustomData.GetValueOrDefault("docker_host", ""),
                },
            });
        }

        return results;
    }

    /// <summary>Streams <c>docker save</c> into a temporary file beside <paramref name="path"/>, then renames it into place.</summary>
    internal static async Task<(long Size, string Sha256)> SaveAsync(
        IDockerClient client, BuildState state, string[] names, string path, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var partial = $"{path}.{Guid.NewGuid():N}.partial";
        try
        {
            using var task = state.Context.Progress.Start($"saving {names[0]}");
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long size = 0;
            await using (var saved = new EngineResponseStream(await client.Images.SaveImagesAsync(names, cancellationToken)))
            await using (var file = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await saved.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    size += read;
                    task.Advance(read);
                }
            }

            File.Move(partial, path, overwrite: true);
            return (size, Convert.ToHexStringLower(hash.GetHashAndReset()));
        }
        catch (DockerApiException ex)
        {
            throw DockerEngine.Explain(ex, $"save {names[0]}");
        }
        finally
        {
            File.Delete(partial);
        }
    }
}
