# Sécurité : limites, connexion en deux étapes, journal de sécurité.

error-body-too-large = Le corps de la requête est trop volumineux.
error-token-name-characters = Le nom d’un jeton ne peut contenir ni caractères de contrôle ni marques qui changent l’ordre du texte.
sign-up-done = Merci. Sauf si cette adresse e-mail a déjà un compte ici, le vôtre est prêt : connectez-vous avec votre nom d’utilisateur et votre mot de passe.
