package web

// identityRoutes are administration and identity: users, upstream accounts, settings,
// single sign-on and the signed-in user's own profile beyond the second factor.
func (s *Server) identityRoutes() []route {
	return nil
}
