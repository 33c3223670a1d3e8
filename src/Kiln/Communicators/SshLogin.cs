using Renci.SshNet;
using Renci.SshNet.Common;

namespace Kiln.Communicators;

/// <summary>
/// The SSH.NET authentication methods for a user: the private key if there is one, then the password both as
/// "password" and as "keyboard-interactive" (what PAM-based sshd configurations offer), answering every prompt with it.
/// </summary>
internal static class SshLogin
{
    public static AuthenticationMethod[] Methods(string username, PrivateKeyFile? key, string? password)
    {
        var methods = new List<AuthenticationMethod>();
        if (key is not null)
        {
            methods.Add(new PrivateKeyAuthenticationMethod(username, key));
        }

        if (!string.IsNullOrEmpty(password))
        {
            methods.Add(new PasswordAuthenticationMethod(username, password));
            var interactive = new KeyboardInteractiveAuthenticationMethod(username);
            interactive.AuthenticationPrompt += (_, e) => Answer(e, password);
            methods.Add(interactive);
        }

        return [.. methods];
    }

    private static void Answer(AuthenticationPromptEventArgs e, string password)
    {
        foreach (var prompt in e.Prompts)
        {
            prompt.Response = password;
        }
    }
}
