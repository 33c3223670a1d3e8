using System.Security.Cryptography;
using Amazon.EC2;
using Amazon.EC2.Model;
using Kiln.Diagnostics;
using Kiln.Pipeline;

namespace Kiln.Builders.Amazon.Steps;

/// <summary>
/// The key SSH logs in with: the user's named key pair and private key file, or a temporary ed25519 key pair
/// that EC2 generates, kept only in the build's work directory and deleted from the account at cleanup.
/// </summary>
public sealed class KeyPairStep : IStep<AmazonEbsState>
{
    private ILedgerEntry? _entry;
    private string? _keyFile;

    public string Name => "create temporary key pair";

    public Stage Stage => Stage.Boot;

    public async Task RunAsync(AmazonEbsState state, CancellationToken cancellationToken)
    {
        var config = state.Config;
        var context = state.Context;
        if (config.SshKeypairName is { } named)
        {
            var keyFile = Path.GetFullPath(config.SshPrivateKeyFile!, Path.GetDirectoryName(context.Image.FilePath)!);
            if (!File.Exists(keyFile))
            {
                throw new KilnException($"ssh_private_key_file {keyFile} does not exist.", "Give the private key of the key pair named in ssh_keypair_name.");
            }

            state.KeyPairName = named;
            state.PrivateKeyPath = keyFile;
            return;
        }

        var ec2 = state.Ec2;
        var name = $"kiln-{Short(context.RunId)}-{RandomNumberGenerator.GetHexString(8, lowercase: true)}";
        _entry = await context.Ledger.RecordAsync(ec2.Resource(Ec2ResourceKinds.KeyPair, name), cancellationToken);
        var created = await ec2.CallAsync("CreateKeyPair", (c, t) => c.CreateKeyPairAsync(new CreateKeyPairRequest
        {
            KeyName = name,
            KeyType = KeyType.Ed25519,
            KeyFormat = KeyFormat.Pem,
            TagSpecifications = [ec2.TagSpecification(ResourceType.KeyPair, ec2.Tags(config.RunTags, name))],
        }, t), cancellationToken);
        state.KeyPairName = name;
        context.Redactor.Add(created.KeyPair.KeyMaterial);

        _keyFile = Path.Combine(context.WorkDirectory, $"{name}.pem");
        await WritePrivateAsync(_keyFile, created.KeyPair.KeyMaterial, cancellationToken);
        state.PrivateKeyPath = _keyFile;
        context.Log.Info($"temporary key pair {name} ({created.KeyPair.KeyPairId})");
    }

    public async Task CleanupAsync(AmazonEbsState state, CancellationToken cancellationToken)
    {
        if (_keyFile is not null)
        {
            File.Delete(_keyFile);
            _keyFile = null;
        }

        if (_entry is null || state.Ec2Session is not { } ec2)
        {
            return;
        }

        await Ec2Cleanup.DeleteKeyPairAsync(ec2, ec2.Region, _entry.Resource.Id, cancellationToken);
        await _entry.ReleaseAsync(cancellationToken);
        state.Context.Log.Info($"deleted temporary key pair {_entry.Resource.Id}");
        _entry = null;
    }

    internal static string Short(string runId) => runId.Length > 8 ? runId[..8] : runId;

    private static async Task WritePrivateAsync(string path, string content, CancellationToken cancellationToken)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using var stream = new FileStream(path, options);
        await using var writer = new StreamWriter(stream);
        await writer.WriteAsync(content.AsMemory(), cancellationToken);
        if (!content.EndsWith('\n'))
        {
            await writer.WriteAsync("\n");
        }
    }
}
