using System.Security.Cryptography;
using System.Text;
using Amazon.EC2;
using Amazon.EC2.Model;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders.Amazon.Steps;

/// <summary>
/// The key pair the instance trusts: the user's named key pair and private key file, or a temporary one imported
/// from the build key generated on this host, so the private key never crosses the network. Cleanup deletes the
/// temporary key pair from the account. The verify instance always gets a fresh temporary one.
/// </summary>
internal sealed class KeyPairStep(bool verify = false) : IStep<AmazonEbsState>
{
    private ILedgerEntry? _entry;

    public string Name => verify ? "import the verify key pair" : "import temporary key pair";

    public Stage Stage => Stage.Boot;

    public async Task RunAsync(AmazonEbsState state, CancellationToken cancellationToken)
    {
        var config = state.Config;
        var context = state.Context;
        if (config.SshKeypairName is { } named && !verify)
        {
            var keyFile = context.Image.ResolvePath(config.SshPrivateKeyFile!);
            if (!File.Exists(keyFile))
            {
                throw new KilnException($"ssh_private_key_file {keyFile} does not exist.", "Give the private key of the key pair named in ssh_keypair_name.");
            }

            state.KeyPairName = named;
            state.PrivateKeyPath = keyFile;
            return;
        }

        var key = state.BuildKey ?? throw new InvalidOperationException($"'{Name}' ran before the build key was created.");
        var ec2 = state.Ec2;
        var name = $"kiln-{Short(context.RunId)}-{RandomNumberGenerator.GetHexString(8, lowercase: true)}";
        _entry = await context.Ledger.RecordAsync(ec2.Resource(Ec2ResourceKinds.KeyPair, name), cancellationToken);
        var imported = await ec2.CallAsync("ImportKeyPair", (c, t) => c.ImportKeyPairAsync(new ImportKeyPairRequest
        {
            KeyName = name,
            // The Query API takes the OpenSSH public key line base64-encoded.
            PublicKeyMaterial = Convert.ToBase64String(Encoding.ASCII.GetBytes(key.PublicKey)),
            TagSpecifications = [ec2.TagSpecification(ResourceType.KeyPair, ec2.Tags(config.RunTags, name))],
        }, t), cancellationToken);
        state.KeyPairName = name;
        state.PrivateKeyPath = key.PrivateKeyPath;
        context.Log.Info($"temporary key pair {name} ({imported.KeyPairId}, {key})");
    }

    public async Task CleanupAsync(AmazonEbsState state, CancellationToken cancellationToken)
    {
        if (_entry is null || state.Ec2Session is not { } ec2)
        {
            return;
        }

        await Ec2Cleanup.DeleteKeyPairAsync(ec2, ec2.Region, _entry.Resource.Id, cancellationToken);
        await _entry.ReleaseAsync(cancellationToken);
        state.Context.Log.Info($"deleted temporary key pair {_entry.Resource.Id}");
        _entry = null;
    }

    internal static string Short(string text) => text.Length > 8 ? text[..8] : text;
}
